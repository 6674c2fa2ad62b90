import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ValidationError } from '../src/errors.js';
import { ChromiumNotFoundError, exportFigures, FigureExporter, findChromium, lineFigure, sweepFigure, trainingTimeFigure } from '../src/plot/index.js';

const dir = mkdtempSync(join(tmpdir(), 'faasml-plot-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const chromium = findChromium();
const skip = chromium ? false : 'no Chromium on this machine';

function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('ascii'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

const figs = [
  lineFigure({ name: 'export-line', title: 'Loss per epoch', x: { title: 'Epoch' }, y: { title: 'Loss' }, series: [{ name: 'loss', x: [1, 2, 3], y: [1, 0.5, 0.3] }] }),
  sweepFigure('p95Latency', [{ label: 'lr-infer', levels: [1, 2, 3].map((l) => ({ level: l, throughput: 10 * l, avgMs: 5, p95Ms: 7 * l })) }], {
    name: 'export-sweep',
    fit: true,
  }),
];

test('exportFigures writes HTML, PNG and SVG with one browser', { skip }, async () => {
  const out = join(dir, 'figures');
  // Other processes (a notebook kernel, say) may have profiles of their own: only ours count.
  const profilesBefore = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('faasml-chromium-')));
  const written = await exportFigures(figs, { dir: out, formats: ['png', 'svg'], width: 800, height: 500, scale: 2 });
  assert.deepEqual(
    [...written].map((p) => p.slice(out.length + 1)).sort(),
    ['export-line.html', 'export-line.png', 'export-line.svg', 'export-sweep.html', 'export-sweep.png', 'export-sweep.svg'],
  );
  for (const name of ['export-line', 'export-sweep']) {
    assert.deepEqual(pngSize(readFileSync(join(out, `${name}.png`))), { width: 1600, height: 1000 });
    const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /width="800"/);
  }
  // The titles made it into the drawing (plotly drops string titles silently).
  const svg = readFileSync(join(out, 'export-line.svg'), 'utf8');
  for (const text of ['Loss per epoch', 'Epoch', '>Loss<', '>loss<']) assert.ok(svg.includes(text), `svg shows ${text}`);
  const sweepSvg = readFileSync(join(out, 'export-sweep.svg'), 'utf8');
  assert.ok(sweepSvg.includes('p95 latency (ms)'));
  assert.ok(sweepSvg.includes('R²=1.000'));
  const profilesAfter = readdirSync(tmpdir()).filter((f) => f.startsWith('faasml-chromium-') && !profilesBefore.has(f));
  assert.deepEqual(profilesAfter, [], 'browser profile removed');
});

test('one FigureExporter renders several figures at the default report size', { skip }, async () => {
  const exporter = await FigureExporter.open();
  try {
    const bars = trainingTimeFigure([{ workload: 'lr-train', where: 'local', seconds: 1 }], { name: 'bars', title: 'Training time' });
    const sizes = [];
    for (const fig of [...figs, bars]) sizes.push(pngSize((await exporter.render(fig, 'png')) as Buffer));
    assert.deepEqual(sizes, Array(3).fill({ width: 2000, height: 1250 }));
    const svg = (await exporter.render(bars, 'svg', { width: 600, height: 400 })) as string;
    assert.match(svg, /^<svg/);
    await assert.rejects(exporter.render(bars, 'png', { width: -1 }), ValidationError);
  } finally {
    await exporter.close();
  }
});

test('without Chromium, HTML is still written and the error says how to get PNGs', async () => {
  const saved = process.env.FAASML_CHROMIUM;
  process.env.FAASML_CHROMIUM = join(dir, 'no-such-chromium');
  try {
    const out = join(dir, 'no-browser');
    await assert.rejects(exportFigures(figs, { dir: out, formats: ['png'] }), (err: unknown) => {
      assert.ok(err instanceof ChromiumNotFoundError);
      assert.match(err.message, /HTML was written/);
      assert.match(err.message, /FAASML_CHROMIUM/);
      return true;
    });
    assert.ok(existsSync(join(out, 'export-line.html')));
    assert.ok(!existsSync(join(out, 'export-line.png')));
    // HTML alone needs no browser.
    const htmlOnly = await exportFigures(figs, { dir: out, formats: ['html'] });
    assert.equal(htmlOnly.length, 2);
  } finally {
    if (saved === undefined) delete process.env.FAASML_CHROMIUM;
    else process.env.FAASML_CHROMIUM = saved;
  }
});

test('exportFigures rejects duplicate names and unknown formats', async () => {
  await assert.rejects(exportFigures([figs[0], figs[0]], { dir, formats: ['html'] }), ValidationError);
  await assert.rejects(exportFigures(figs, { dir, formats: ['gif' as 'png'] }), ValidationError);
});
