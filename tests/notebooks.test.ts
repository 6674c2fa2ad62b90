// Every notebook, executed headless in its quick profile, as `make study` runs them. Notebooks,
// figures, results and models go to a temporary folder, so a test run leaves the full run's
// outputs in the project alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { listNotebooks, runNotebook } from '../src/study/notebooks.js';

const out = mkdtempSync(join(tmpdir(), 'faasml-notebooks-'));
process.env.FAASML_FIGURES = join(out, 'figures');
process.env.FAASML_RESULTS = join(out, 'results');
process.env.FAASML_STATE_DIR = join(out, 'state');
after(() => rmSync(out, { recursive: true, force: true }));

for (const nb of listNotebooks()) {
  test(`${basename(nb)} runs headless in the quick profile`, { timeout: 10 * 60_000 }, async () => {
    const run = await runNotebook(nb, { quick: true, outputDir: out });
    assert.ok(run.ok, run.error);
    const executed = JSON.parse(readFileSync(join(out, basename(nb)), 'utf8')) as { cells: { cell_type: string; outputs?: { output_type: string }[] }[] };
    const code = executed.cells.filter((c) => c.cell_type === 'code');
    assert.ok(code.length > 0);
    assert.ok(code.every((c) => (c.outputs ?? []).every((o) => o.output_type !== 'error')), 'no cell output is an error');
    const figures = readdirSync(join(out, 'figures')).filter((f) => f.startsWith(basename(nb).slice(0, 3)));
    assert.ok(figures.some((f) => f.endsWith('.png')) && figures.some((f) => f.endsWith('.svg')) && figures.some((f) => f.endsWith('.html')), `${basename(nb)} wrote its figures`);
  });
}
