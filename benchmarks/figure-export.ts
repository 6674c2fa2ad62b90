// How long figure export takes, and what reusing one Chromium saves: N figures through one
// FigureExporter against one browser per figure. Prints measured numbers side by side.
//   node --import tsx benchmarks/figure-export.ts [figures=4]
import { performance } from 'node:perf_hooks';
import { FigureExporter, findChromium, lineFigure, sweepFigure, toHtml, type Figure } from '../src/plot/index.js';

const count = Number(process.argv[2] ?? 4);
if (!findChromium()) {
  console.error('no Chromium found (set FAASML_CHROMIUM): only HTML can be measured');
  process.exit(1);
}

function figure(i: number): Figure {
  if (i % 2 === 0) {
    const x = Array.from({ length: 50 }, (_, k) => k + 1);
    return lineFigure({ name: `bench-line-${i}`, title: `Loss ${i}`, x: { title: 'Epoch' }, y: { title: 'Loss' }, series: [{ name: 'loss', x, y: x.map((e) => 1 / e) }] });
  }
  const levels = [1, 2, 3, 4, 5, 6, 7, 8].map((l) => ({ level: l, throughput: 100 * Math.min(l, 2.5), avgMs: 10 * l, p95Ms: 15 * l }));
  return sweepFigure('throughput', [{ label: 'lr-infer', levels }], { name: `bench-sweep-${i}`, fit: true });
}

const figs = Array.from({ length: count }, (_, i) => figure(i));
const ms = (t0: number): number => performance.now() - t0;

let t0 = performance.now();
const html = figs.map(toHtml);
const htmlMs = ms(t0);

t0 = performance.now();
const exporter = await FigureExporter.open();
const startMs = ms(t0);
const pngMs: number[] = [];
const svgMs: number[] = [];
let pngBytes = 0;
try {
  for (const fig of figs) {
    let t = performance.now();
    pngBytes += ((await exporter.render(fig, 'png')) as Buffer).length;
    pngMs.push(ms(t));
    t = performance.now();
    await exporter.render(fig, 'svg');
    svgMs.push(ms(t));
  }
} finally {
  await exporter.close();
}
const sharedTotal = startMs + pngMs.reduce((a, b) => a + b, 0);

t0 = performance.now();
for (const fig of figs) {
  const own = await FigureExporter.open();
  try {
    await own.render(fig, 'png');
  } finally {
    await own.close();
  }
}
const perFigureTotal = ms(t0);

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const row = (label: string, value: string): void => console.log(`${label.padEnd(44)}${value}`);
row('figures', String(count));
row('toHtml per figure (ms)', (htmlMs / count).toFixed(1));
row('HTML size per figure (MB)', (html[0].length / 1e6).toFixed(2));
row('browser start + plotly load (ms)', startMs.toFixed(0));
row('PNG 2000x1250 per figure, warm browser (ms)', mean(pngMs).toFixed(0));
row('SVG per figure, warm browser (ms)', mean(svgMs).toFixed(0));
row('PNG size per figure (kB)', (pngBytes / count / 1e3).toFixed(0));
row('PNG total, one shared browser (ms)', sharedTotal.toFixed(0));
row('PNG total, one browser per figure (ms)', perFigureTotal.toFixed(0));
row('per-figure / shared (ratio)', (perFigureTotal / sharedTotal).toFixed(2));
