import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../src/errors.js';
import {
  accuracyCurveFigure,
  barFigure,
  coefficientFigure,
  fitLine,
  lineFigure,
  linearUntil,
  lossCurveFigure,
  sweepFigure,
  tableFigure,
  trainingTimeFigure,
  type Figure,
} from '../src/plot/index.js';

type Layout = Record<string, any>;

/** Every report figure has an object title with text and axis titles given as objects. */
function assertTitled(fig: Figure, title: string, xTitle?: string, yTitle?: string): Layout {
  const layout = fig.layout as Layout;
  assert.deepEqual(layout.title.text, title);
  assert.equal(typeof layout.title, 'object');
  assert.ok(layout.font.size >= 14, 'base font at least 14 px');
  if (xTitle !== undefined) assert.equal(layout.xaxis.title.text, xTitle);
  if (yTitle !== undefined) assert.equal(layout.yaxis.title.text, yTitle);
  assert.ok(layout.xaxis === undefined || layout.xaxis.tickfont.size >= 14);
  assert.equal(layout.showlegend, true);
  return layout;
}

test('lineFigure: titles are objects, axes titled, one trace per series', () => {
  const fig = lineFigure({
    name: 'latency-vs-load',
    title: 'Latency vs. load',
    x: { title: 'Load (requests/s)' },
    y: { title: 'Latency (ms)', log: true },
    series: [
      { name: 'a', x: [1, 2, 3], y: [10, 20, 30], error: [1, 1, 2] },
      { name: 'b', x: [1, 2], y: [5, 6], mode: 'markers', dash: 'dash' },
    ],
  });
  const layout = assertTitled(fig, 'Latency vs. load', 'Load (requests/s)', 'Latency (ms)');
  assert.equal(layout.yaxis.type, 'log');
  assert.equal(fig.name, 'latency-vs-load');
  const traces = fig.data as Layout[];
  assert.equal(traces.length, 2);
  assert.deepEqual(traces[0].error_y.array, [1, 1, 2]);
  assert.equal(traces[1].mode, 'markers');
  assert.equal(traces[1].line.dash, 'dash');
});

test('lineFigure rejects mismatched lengths and bad names with a ValidationError', () => {
  assert.throws(
    () => lineFigure({ name: 'x', title: 't', x: { title: 'x' }, y: { title: 'y' }, series: [{ name: 's', x: [1, 2], y: [1] }] }),
    ValidationError,
  );
  assert.throws(() => lineFigure({ name: '../evil', title: 't', x: { title: 'x' }, y: { title: 'y' }, series: [] }), ValidationError);
});

test('barFigure: grouped or stacked bars with value labels', () => {
  const fig = barFigure({
    name: 'cold-vs-warm',
    title: 'Cold vs. warm',
    categories: ['lr', 'resnet'],
    y: { title: 'Time (s)' },
    series: [
      { name: 'cold', values: [1.234, 20] },
      { name: 'warm', values: [0.5, 10], error: [0.1, 1] },
    ],
    stacked: true,
  });
  const layout = assertTitled(fig, 'Cold vs. warm', undefined, 'Time (s)');
  assert.equal(layout.barmode, 'stack');
  assert.deepEqual((fig.data[0] as Layout).text, ['1.23', '20']);
  assert.throws(
    () => barFigure({ name: 'x', title: 't', categories: ['a'], y: { title: 'y' }, series: [{ name: 's', values: [1, 2] }] }),
    ValidationError,
  );
});

test('tableFigure: header and columns', () => {
  const fig = tableFigure({ name: 'numbers', title: 'Numbers', header: ['run', 'rps'], rows: [['a', 1.23456], ['b', 2]] });
  const t = fig.data[0] as Layout;
  assert.equal(t.type, 'table');
  assert.deepEqual(t.cells.values, [['a', 'b'], ['1.23', '2']]);
  assert.equal((fig.layout as Layout).title.text, 'Numbers');
});

test('study figures: loss, accuracy, coefficients, training time', () => {
  const loss = lossCurveFigure({ loss: [1, 0.5, 0.25], valLoss: [1.1, 0.6, 0.3] }, { name: 'lr-loss', title: 'Loss' });
  assertTitled(loss, 'Loss', 'Epoch', 'Loss');
  assert.deepEqual((loss.data[0] as Layout).x, [1, 2, 3]);
  assert.equal(loss.data.length, 2);

  const acc = accuracyCurveFigure({ accuracy: [0.5, 0.75], valAccuracy: [0.4, 0.7] }, { name: 'acc', title: 'Accuracy' });
  assertTitled(acc, 'Accuracy', 'Epoch', 'Accuracy (%)');
  assert.deepEqual((acc.data[0] as Layout).y, [50, 75]);

  const coef = coefficientFigure(
    [
      { term: 'x1', true: 2, fitted: 1.9, leastSquares: 2.01 },
      { term: 'b', true: 1, fitted: 1.1, leastSquares: 0.99 },
    ],
    { name: 'coef', title: 'Coefficients' },
  );
  assertTitled(coef, 'Coefficients', 'Term', 'Coefficient value');
  assert.deepEqual(coef.data.map((t) => (t as Layout).name), ['true', 'fitted (gradient descent)', 'least squares']);

  const tt = trainingTimeFigure(
    [
      { workload: 'lr-train', where: 'local', seconds: 2 },
      { workload: 'lr-train', where: 'faas (warm)', seconds: 3 },
      { workload: 'lr-train', where: 'faas (warm)', seconds: 5 },
      { workload: 'resnet-train', where: 'local', seconds: 40 },
    ],
    { name: 'training-time', title: 'Training time' },
  );
  assertTitled(tt, 'Training time', 'Workload', 'Training time (s)');
  const warm = tt.data.find((t) => (t as Layout).name === 'faas (warm)') as Layout;
  assert.equal(warm.y[0], 4, 'repeated measurements are averaged');
  assert.ok(Number.isNaN(warm.y[1]), 'a missing pair is a gap');
});

test('sweepFigure: one line per run, fitted lines with R² in the legend', () => {
  const runs = [
    {
      label: 'lr-infer',
      levels: [4, 1, 3, 2].map((l) => ({ level: l, throughput: 100 * l, avgMs: 10, p95Ms: 20, cpuPercent: 50 * l })),
    },
  ];
  const fig = sweepFigure('throughput', runs, { name: 'lr-sweep', title: 'Throughput', fit: true });
  assertTitled(fig, 'Throughput', 'Concurrency (threads)', 'Throughput (requests/s)');
  const [measured, fitted] = fig.data as Layout[];
  assert.deepEqual(measured.x, [1, 2, 3, 4], 'levels sorted');
  assert.equal(measured.name, 'lr-infer', 'a perfectly linear run has no knee');
  assert.match(fitted.name, /R²=1\.000/);
  assert.equal(fitted.line.color, measured.line.color);
  const cpu = sweepFigure('cpu', runs);
  assert.equal((cpu.layout as Layout).yaxis.title.text, 'CPU (% of all cores)');
  assert.equal(cpu.name, 'sweep-cpu');
  assert.throws(() => sweepFigure('bogus' as 'cpu', runs), ValidationError);
});

test('fitLine is exact on a line and reports r2', () => {
  const x = [1, 2, 3, 4, 5];
  const fit = fitLine(x, x.map((v) => 3 * v - 2));
  assert.ok(Math.abs(fit.slope - 3) < 1e-12);
  assert.ok(Math.abs(fit.intercept + 2) < 1e-12);
  assert.ok(Math.abs(fit.r2 - 1) < 1e-12);
  // Known values: y = [1, 3, 2] on x = [1, 2, 3] → slope 0.5, intercept 1, r2 = 0.25.
  const noisy = fitLine([1, 2, 3], [1, 3, 2]);
  assert.ok(Math.abs(noisy.slope - 0.5) < 1e-12);
  assert.ok(Math.abs(noisy.intercept - 1) < 1e-12);
  assert.ok(Math.abs(noisy.r2 - 0.25) < 1e-12);
  assert.throws(() => fitLine([1], [1]), ValidationError);
  assert.throws(() => fitLine([2, 2], [1, 3]), ValidationError);
  assert.throws(() => fitLine([1, 2], [1, NaN]), ValidationError);
});

test('linearUntil finds where a saturating curve leaves its line', () => {
  const levels = [1, 2, 3, 4, 5, 6, 7, 8];
  // Throughput that scales linearly up to 4 threads and then flattens (a 4-core limit).
  const saturating = levels.map((l) => 50 * Math.min(l, 4));
  assert.equal(linearUntil(levels, saturating), 5);
  // Small noise on the linear part stays within the 10% tolerance.
  const noisy = [51, 98, 153, 196, 200, 201, 199, 200];
  assert.equal(linearUntil(levels, noisy), 5);
  assert.equal(linearUntil(levels, levels.map((l) => 7 * l)), undefined);
  // Order of the points does not matter.
  assert.equal(linearUntil([...levels].reverse(), [...saturating].reverse()), 5);
  // A looser tolerance accepts a gentle bend.
  const gentle = [100, 200, 290, 370, 440];
  assert.equal(linearUntil([1, 2, 3, 4, 5], gentle, 0.02), 3);
  assert.equal(linearUntil([1, 2, 3, 4, 5], gentle, 0.05), 5);
  assert.equal(linearUntil([1, 2, 3, 4, 5], gentle, 0.5), undefined);
});
