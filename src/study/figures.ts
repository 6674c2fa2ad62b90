// The study's figures, built from the plain records the notebooks (and `faasml study`) save, so
// that `faasml figures` can rebuild every one of them from the raw data later.
import type { LinearRun, ResNetRun } from '../ml/training-runs.js';
import { accuracyCurveFigure, barFigure, coefficientFigure, lossCurveFigure, sweepFigure, trainingTimeFigure, type Figure, type SweepMetric } from '../plot/index.js';
import { median, type ColdStartSample } from './cold-starts.js';
import type { TrainingTiming } from './faas-training.js';
import { toSweepRun, type ThreadSweep } from './sweeps.js';

const METRIC_TITLES: Record<SweepMetric, string> = {
  throughput: 'throughput',
  avgLatency: 'average response time',
  p95Latency: '95th percentile response time',
  cpu: 'platform CPU utilisation',
};
const METRICS: SweepMetric[] = ['throughput', 'avgLatency', 'p95Latency', 'cpu'];

/** Notebook 01: coefficients and loss of the linear regression. */
export function linearFigures(lr: LinearRun): Figure[] {
  return [
    coefficientFigure(lr.coefficients, { name: '01-lr-coefficients', title: `Coefficients of ${lr.formula}: formula, fitted, least squares` }),
    lossCurveFigure({ loss: lr.lossHistory }, { name: '01-lr-training-loss', title: 'Linear regression: training loss (MSE) per epoch', log: true }),
  ];
}

/** Notebook 01: accuracy and loss of ResNet-50 per epoch. */
export function resnetFigures(resnet: ResNetRun, imagesRequested: number): Figure[] {
  return [
    accuracyCurveFigure(resnet.history, { name: '01-resnet50-accuracy', title: `ResNet-50 on ${imagesRequested} ${resnet.data.split(' ')[0]} images: accuracy per epoch` }),
    lossCurveFigure(resnet.history, { name: '01-resnet50-loss', title: 'ResNet-50: loss per epoch' }),
  ];
}

/** Notebook 02: training time on FaaS (cold, warm) against local, and where the time goes. */
export function trainingFigures(timings: TrainingTiming[]): Figure[] {
  return [
    trainingTimeFigure(timings.map((t) => ({ workload: t.workload, where: t.where, seconds: t.seconds })), {
      name: '02-training-time-faas-vs-local',
      title: 'Training time: FaaS (cold, warm) against local',
    }),
    barFigure({
      name: '02-training-time-breakdown',
      title: 'Where the time goes: training loop against everything else',
      categories: timings.map((t) => `${t.workload} ${t.where}`),
      x: { title: 'Workload and where it ran' },
      y: { title: 'Time (s)' },
      stacked: true,
      series: [
        { name: 'training loop', values: timings.map((t) => t.trainSeconds) },
        { name: 'start-up, loading, transfer', values: timings.map((t) => Math.max(0, t.seconds - t.trainSeconds)) },
      ],
    }),
  ];
}

/** Notebook 03: each metric against threads, per function, with a fitted line. */
export function sweepFigures(sweeps: ThreadSweep[]): Figure[] {
  return sweeps.flatMap((s) =>
    METRICS.filter((m) => m !== 'cpu' || s.run.serverMetrics).map((metric) =>
      sweepFigure(metric, [toSweepRun(s)], {
        name: `03-${s.functionName}-${metric}-vs-threads`,
        title: `${s.functionName}: ${METRIC_TITLES[metric]} against threads`,
        fit: true,
      }),
    ),
  );
}

/** Notebook 04: one line per platform for each function and metric, and cold starts by start mode. */
export function comparisonFigures(sweeps: ThreadSweep[], coldStarts: ColdStartSample[]): Figure[] {
  const figures: Figure[] = [];
  const functions = [...new Set(sweeps.map((s) => s.functionName))];
  for (const fn of functions) {
    const runs = sweeps.filter((s) => s.functionName === fn).map(toSweepRun);
    for (const metric of METRICS) {
      if (metric === 'cpu' && !runs.some((r) => r.levels.some((l) => l.cpuPercent !== undefined))) continue;
      figures.push(sweepFigure(metric, runs, { name: `04-${fn}-${metric}-by-platform`, title: `${fn}: ${METRIC_TITLES[metric]} by platform` }));
    }
  }
  if (coldStarts.length > 0) {
    const fns = [...new Set(coldStarts.map((c) => c.functionName))];
    const modes = [...new Set(coldStarts.map((c) => c.startMode))];
    const pairs = fns.flatMap((fn) => modes.map((m) => [fn, m] as const));
    figures.push(
      barFigure({
        name: '04-cold-start-by-start-mode',
        title: 'Cold and warm calls by start mode (median request to response)',
        categories: pairs.map(([fn, m]) => `${fn}, ${m}`),
        x: { title: 'Function and start mode' },
        y: { title: 'Median time (ms)', log: true },
        series: (['cold', 'warm'] as const).map((kind) => ({
          name: `${kind} call`,
          values: pairs.map(([fn, m]) => median(coldStarts.filter((c) => c.functionName === fn && c.startMode === m && c.kind === kind).map((c) => c.seconds * 1000))),
        })),
      }),
    );
  }
  return figures;
}
