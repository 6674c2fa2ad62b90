// The figures the study notebooks show: training curves, fitted coefficients, inference sweeps
// and training time. Each is a thin mapping from plain result records to a generic builder.
import { ValidationError } from '../errors.js';
import { barFigure, type Figure, lineFigure, type LineSeries, PALETTE } from './figure.js';
import { fitLine, linearUntil } from './fit.js';

export interface FigureNaming {
  name: string;
  title: string;
}

const epochs = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

// Epochs are whole numbers: with few of them plotly would otherwise tick at 1.5, 2.5, ...
function wholeEpochTicks(fig: Figure, n: number): Figure {
  const xaxis = (fig.layout as Record<string, Record<string, unknown>>).xaxis;
  if (n <= 15) xaxis.dtick = 1;
  else xaxis.tickformat = 'd';
  return fig;
}

export function lossCurveFigure(history: { loss: number[]; valLoss?: number[] }, opts: FigureNaming & { log?: boolean }): Figure {
  const series: LineSeries[] = [{ name: 'training loss', x: epochs(history.loss.length), y: history.loss }];
  if (history.valLoss && history.valLoss.length > 0) {
    series.push({ name: 'validation loss', x: epochs(history.valLoss.length), y: history.valLoss, dash: 'dash' });
  }
  return wholeEpochTicks(lineFigure({ ...opts, x: { title: 'Epoch' }, y: { title: 'Loss', log: opts.log }, series }), history.loss.length);
}

export function accuracyCurveFigure(history: { accuracy: number[]; valAccuracy?: number[] }, opts: FigureNaming): Figure {
  const pct = (v: number[]): number[] => v.map((a) => a * 100);
  const series: LineSeries[] = [{ name: 'training accuracy', x: epochs(history.accuracy.length), y: pct(history.accuracy) }];
  if (history.valAccuracy && history.valAccuracy.length > 0) {
    series.push({ name: 'validation accuracy', x: epochs(history.valAccuracy.length), y: pct(history.valAccuracy), dash: 'dash' });
  }
  const fig = lineFigure({ ...opts, x: { title: 'Epoch' }, y: { title: 'Accuracy (%)' }, series });
  (fig.layout as Record<string, Record<string, unknown>>).yaxis.range = [0, 100];
  return wholeEpochTicks(fig, history.accuracy.length);
}

export interface CoefficientRow {
  term: string;
  true: number;
  fitted: number;
  leastSquares: number;
}

/** True, gradient-descent-fitted and closed-form least-squares coefficients side by side. */
export function coefficientFigure(rows: CoefficientRow[], opts: FigureNaming): Figure {
  const terms = rows.map((r) => r.term);
  return barFigure({
    ...opts,
    categories: terms,
    x: { title: 'Term' },
    y: { title: 'Coefficient value' },
    series: [
      { name: 'true', values: rows.map((r) => r.true) },
      { name: 'fitted (gradient descent)', values: rows.map((r) => r.fitted) },
      { name: 'least squares', values: rows.map((r) => r.leastSquares) },
    ],
  });
}

export type SweepMetric = 'throughput' | 'avgLatency' | 'p95Latency' | 'cpu';

export interface SweepLevel {
  level: number;
  throughput: number;
  avgMs: number;
  p95Ms: number;
  cpuPercent?: number;
}

export interface SweepRun {
  label: string;
  levels: SweepLevel[];
}

const METRICS: Record<SweepMetric, { title: string; axis: string; value: (l: SweepLevel) => number | undefined }> = {
  throughput: { title: 'Throughput', axis: 'Throughput (requests/s)', value: (l) => l.throughput },
  avgLatency: { title: 'Average latency', axis: 'Average latency (ms)', value: (l) => l.avgMs },
  p95Latency: { title: '95th percentile latency', axis: 'p95 latency (ms)', value: (l) => l.p95Ms },
  cpu: { title: 'Platform CPU utilisation', axis: 'CPU (% of all cores)', value: (l) => l.cpuPercent },
};

/**
 * One line per run of a concurrency sweep (x = threads / concurrent clients). With `fit`, each
 * run also gets a dotted least-squares line with its R² in the legend, and the legend names the
 * level where growth stops being linear.
 */
export function sweepFigure(
  metric: SweepMetric,
  runs: SweepRun[],
  opts: { name?: string; title?: string; fit?: boolean; xTitle?: string } = {},
): Figure {
  const m = METRICS[metric];
  if (!m) throw new ValidationError(`unknown sweep metric '${String(metric)}'`, { known: Object.keys(METRICS) });
  const series: LineSeries[] = [];
  for (const run of runs) {
    const levels = [...run.levels].sort((a, b) => a.level - b.level);
    const points = levels.filter((l) => m.value(l) !== undefined && Number.isFinite(m.value(l)));
    const x = points.map((l) => l.level);
    const y = points.map((l) => m.value(l) as number);
    let label = run.label;
    if (opts.fit && x.length >= 3 && new Set(x).size === x.length) {
      const knee = linearUntil(x, y);
      if (knee !== undefined) label += ` (below linear from ${knee})`;
    }
    series.push({ name: label, x, y });
    if (opts.fit && x.length >= 2 && new Set(x).size >= 2) {
      const line = fitLine(x, y);
      series.push({
        name: `${run.label} fit: ${line.slope.toPrecision(3)}·x + ${line.intercept.toPrecision(3)}, R²=${line.r2.toFixed(3)}`,
        x: [x[0], x[x.length - 1]],
        y: [line.slope * x[0] + line.intercept, line.slope * x[x.length - 1] + line.intercept],
        mode: 'lines',
        dash: 'dot',
      });
    }
  }
  const fig = lineFigure({
    name: opts.name ?? `sweep-${metric}`,
    title: opts.title ?? `${m.title} vs. concurrency`,
    x: { title: opts.xTitle ?? 'Concurrency (threads)' },
    y: { title: m.axis },
    series,
  });
  const layout = fig.layout as Record<string, Record<string, unknown>>;
  // Ticks at the measured levels only: 1, 2, 4 ... 32 stay readable where a tick per unit would not.
  layout.xaxis.tickvals = [...new Set(series.flatMap((s) => s.x))].sort((a, b) => a - b);
  layout.yaxis.rangemode = 'tozero';
  if (opts.fit) {
    colourFitsLikeTheirRun(fig.data as Record<string, unknown>[]);
    // Fit equations make long legend entries: below the plot they leave it its full width.
    (fig.layout as Record<string, unknown>).legend = {
      ...(layout.legend as object),
      orientation: 'h',
      x: 0,
      xanchor: 'left',
      y: -0.18,
      yanchor: 'top',
    };
  }
  return fig;
}

// A fit line shares its run's colour so the eye pairs them; the palette would give it its own.
function colourFitsLikeTheirRun(traces: Record<string, unknown>[]): void {
  let colourIndex = -1;
  for (const t of traces) {
    const isFit = t.mode === 'lines' && (t.line as { dash?: string }).dash === 'dot';
    if (!isFit) colourIndex++;
    const colour = PALETTE[colourIndex % PALETTE.length];
    t.line = { ...(t.line as object), color: colour };
    t.marker = { ...(t.marker as object), color: colour };
  }
}

export interface TrainingTimeRow {
  workload: string;
  where: 'local' | 'faas (cold)' | 'faas (warm)' | string;
  seconds: number;
}

/** Grouped bars: one group per workload, one bar per place it trained. */
export function trainingTimeFigure(rows: TrainingTimeRow[], opts: FigureNaming): Figure {
  const workloads = [...new Set(rows.map((r) => r.workload))];
  const places = [...new Set(rows.map((r) => r.where))];
  const series = places.map((where) => ({
    name: where,
    values: workloads.map((w) => {
      const matching = rows.filter((r) => r.workload === w && r.where === where);
      // Repeated measurements of the same pair are averaged.
      return matching.length === 0 ? NaN : matching.reduce((a, r) => a + r.seconds, 0) / matching.length;
    }),
  }));
  return barFigure({ ...opts, categories: workloads, x: { title: 'Workload' }, y: { title: 'Training time (s)' }, series });
}
