// Every notebook, executed headless in its quick profile, as `make study` runs them (into a
// temporary folder, so the committed notebooks keep the outputs of the full run).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { listNotebooks, runNotebook } from '../src/study/notebooks.js';

const out = mkdtempSync(join(tmpdir(), 'faasml-notebooks-'));
after(() => rmSync(out, { recursive: true, force: true }));

for (const nb of listNotebooks()) {
  test(`${basename(nb)} runs headless in the quick profile`, { timeout: 10 * 60_000 }, async () => {
    const run = await runNotebook(nb, { quick: true, outputDir: out });
    assert.ok(run.ok, run.error);
    const executed = JSON.parse(readFileSync(join(out, basename(nb)), 'utf8')) as { cells: { cell_type: string; outputs?: { output_type: string }[] }[] };
    const code = executed.cells.filter((c) => c.cell_type === 'code');
    assert.ok(code.length > 0);
    assert.ok(code.every((c) => (c.outputs ?? []).every((o) => o.output_type !== 'error')), 'no cell output is an error');
  });
}
