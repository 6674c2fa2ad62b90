// `faasml study`: the notebooks' experiments in one process, without Jupyter. Each step calls
// the same library functions as the notebook of the same number and saves the same records,
// so `faasml figures` and notebook 04 read either.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultBody } from '../bench/index.js';
import { initBackend } from '../ml/backend.js';
import { runLinearTraining, runResNetTraining, type LinearRun, type ResNetRun } from '../ml/training-runs.js';
import { modelsDir, projectRoot } from '../paths.js';
import { exportFigures, type ExportFormat, type Figure } from '../plot/index.js';
import { functionUrl, loadTargets } from '../targets/targets-file.js';
import { growthAnswer, platformAnswer, trainingAnswer } from './answers.js';
import { startBaseline } from './baseline.js';
import { measureColdStarts, type ColdStartSample } from './cold-starts.js';
import { compareTraining, type TrainingTiming } from './faas-training.js';
import { comparisonFigures, linearFigures, resnetFigures, sweepFigures, trainingFigures } from './figures.js';
import type { StudyParams } from './params.js';
import { ensureModels, openSession } from './session.js';
import { loadStudyResult, saveStudyResult, studyDir } from './store.js';
import { loadSweep, loadSweepDir, threadSweep, type ThreadSweep } from './sweeps.js';

export type Log = (line: string) => void;
const FUNCTIONS = ['lr-infer', 'resnet-infer'];

function threadsOf(params: StudyParams, fn: string): number[] {
  return fn === 'lr-infer' ? params.sweep.lrInferThreads : params.sweep.resnetInferThreads;
}

function sweepWith(params: StudyParams, log: Log) {
  return (label: string, functionName: string, target: { gateway?: string; url?: string; headers?: Record<string, string> }) =>
    threadSweep(
      { label, functionName, ...target, threads: threadsOf(params, functionName), durationSeconds: params.sweep.durationSeconds, warmupSeconds: params.sweep.warmupSeconds },
      (t) => log(`  ${label}, ${functionName}: ${t} threads`),
    );
}

export async function trainLocallyStep(params: StudyParams, log: Log): Promise<{ lr: LinearRun; resnet: ResNetRun }> {
  log(`01 train locally (backend ${await initBackend()})`);
  const lr = await runLinearTraining({ formula: params.formula, samples: params.lr.samples, epochs: params.lr.epochs, seed: params.seed, modelsDir: modelsDir() });
  saveStudyResult('train-locally-lr', lr);
  log(`  ${lr.model}: R² ${lr.r2Test.toFixed(6)} in ${lr.trainSeconds.toFixed(1)} s`);
  const resnet = await runResNetTraining({
    data: params.resnet.data, images: params.resnet.images, epochs: params.resnet.epochs, batchSize: params.resnet.batchSize, stem: params.resnet.stem,
    seed: params.seed, modelsDir: modelsDir(),
    onEpoch: (e) => log(`  resnet epoch ${e.epoch + 1}: held-out accuracy ${(100 * e.valAccuracy).toFixed(1)} %`),
  });
  saveStudyResult('train-locally-resnet', { ...resnet, imagesRequested: params.resnet.images });
  return { lr, resnet };
}

export async function trainingStep(params: StudyParams, log: Log): Promise<TrainingTiming[]> {
  log('02 training on FaaS against locally');
  const session = await openSession('study-02');
  try {
    const lrBody = { formula: params.formula, samples: params.faasTraining.lr.samples, epochs: params.faasTraining.lr.epochs, seed: params.seed };
    const resnetBody = { images: params.faasTraining.resnet.images, epochs: params.faasTraining.resnet.epochs, data: 'synthetic', seed: params.seed };
    const timings = [...(await compareTraining(session.url, 'lr-train', lrBody)), ...(await compareTraining(session.url, 'resnet-train', resnetBody))];
    saveStudyResult('training-times', { params: { lr: lrBody, resnet: resnetBody }, timings });
    for (const t of timings) log(`  ${t.workload} ${t.where}: ${t.seconds.toFixed(2)} s`);
    return timings;
  } finally {
    await session.stop();
  }
}

export async function sweepStep(params: StudyParams, log: Log): Promise<ThreadSweep[]> {
  log('03 thread sweeps');
  const session = await openSession('study-03');
  try {
    await ensureModels(session.url, params);
    const sweep = sweepWith(params, log);
    const out: ThreadSweep[] = [];
    for (const fn of FUNCTIONS) out.push(await sweep('faasml (warm-pool)', fn, { gateway: session.url }));
    return out;
  } finally {
    await session.stop();
  }
}

/** The embedded platform in both start modes: cold starts of each, and thread sweeps in `cold` mode. */
export async function startModeStep(params: StudyParams, log: Log): Promise<{ sweeps: ThreadSweep[]; coldStarts: ColdStartSample[] }> {
  const sweep = sweepWith(params, log);
  const sweeps: ThreadSweep[] = [];
  const coldStarts: ColdStartSample[] = [];
  for (const mode of ['warm-pool', 'cold'] as const) {
    const session = await openSession(`study-04-${mode}`, { startMode: mode });
    try {
      await ensureModels(session.url, params);
      for (const fn of FUNCTIONS) coldStarts.push(...(await measureColdStarts(session, fn, JSON.parse(defaultBody(fn) as string), params.coldStartRepeats)));
      if (mode === 'cold') for (const fn of FUNCTIONS) sweeps.push(await sweep('faasml (cold)', fn, { gateway: session.url }));
    } finally {
      await session.stop();
    }
  }
  return { sweeps, coldStarts };
}

/** The baseline without FaaS: each handler served directly by express, swept the same way. */
export async function baselineStep(params: StudyParams, log: Log): Promise<ThreadSweep[]> {
  const sweep = sweepWith(params, log);
  const sweeps: ThreadSweep[] = [];
  for (const fn of FUNCTIONS) {
    const baseline = await startBaseline(fn);
    try {
      sweeps.push(await sweep('express (no FaaS)', fn, { url: baseline.url }));
    } finally {
      await baseline.stop();
    }
  }
  return sweeps;
}

/** Deployed endpoints listed in functions/targets.yml (Azure Functions, OpenFaaS), swept the same way. */
export async function targetsStep(params: StudyParams, log: Log): Promise<ThreadSweep[]> {
  const targetsFile = join(projectRoot(), 'functions', 'targets.yml');
  if (!existsSync(targetsFile)) {
    log('no functions/targets.yml: only this machine is compared. Copy functions/targets.example.yml to add a deployed Azure or OpenFaaS endpoint.');
    return [];
  }
  const sweep = sweepWith(params, log);
  const sweeps: ThreadSweep[] = [];
  for (const target of loadTargets(targetsFile)) {
    for (const fn of FUNCTIONS) {
      const key = fn as keyof typeof target.functions;
      if (target.functions[key]) sweeps.push(await sweep(target.label, fn, { url: functionUrl(target, key), headers: target.headers }));
    }
  }
  return sweeps;
}

/** Notebook 03's warm-pool sweeps when they were measured with these settings, else measured now. */
export async function warmPoolSweeps(params: StudyParams, log: Log): Promise<ThreadSweep[]> {
  const stored = await Promise.all(FUNCTIONS.map((fn) => loadSweep('faasml (warm-pool)', fn).catch(() => undefined)));
  const current = stored.every(
    (s, i) => s && s.run.settings.levels.join() === threadsOf(params, FUNCTIONS[i]).join() && s.run.settings.durationMs === params.sweep.durationSeconds * 1000,
  );
  return current ? (stored as ThreadSweep[]) : sweepStep(params, log);
}

export async function compareStep(params: StudyParams, warmPool: ThreadSweep[], log: Log): Promise<{ sweeps: ThreadSweep[]; coldStarts: ColdStartSample[] }> {
  log('04 compare platforms');
  const modes = await startModeStep(params, log);
  const sweeps = [...warmPool, ...modes.sweeps, ...(await baselineStep(params, log)), ...(await targetsStep(params, log))];
  saveComparison(sweeps, modes.coldStarts);
  return { sweeps, coldStarts: modes.coldStarts };
}

export function saveComparison(sweeps: ThreadSweep[], coldStarts: ColdStartSample[]): void {
  saveStudyResult('comparison', { coldStarts, sweeps: sweeps.map((s) => ({ label: s.label, functionName: s.functionName, dir: s.dir })) });
}

/** Every sweep stored under results/study/sweeps/, read back. */
export async function loadStudySweeps(): Promise<ThreadSweep[]> {
  const dir = join(studyDir(), 'sweeps');
  if (!existsSync(dir)) return [];
  const out: ThreadSweep[] = [];
  for (const fn of readdirSync(dir).sort()) {
    for (const label of readdirSync(join(dir, fn)).sort()) out.push(await loadSweepDir(join(dir, fn, label)));
  }
  return out;
}

/** Every figure the saved study records allow, and the three answers. */
export async function studyFigures(): Promise<{ figures: Figure[]; answers: string }> {
  const figures: Figure[] = [];
  const lr = loadStudyResult<LinearRun>('train-locally-lr');
  const resnet = loadStudyResult<ResNetRun & { imagesRequested: number }>('train-locally-resnet');
  if (lr) figures.push(...linearFigures(lr));
  if (resnet) figures.push(...resnetFigures(resnet, resnet.imagesRequested));
  const training = loadStudyResult<{ timings: TrainingTiming[] }>('training-times');
  if (training) figures.push(...trainingFigures(training.timings));
  const sweeps = await loadStudySweeps();
  const warmPool = sweeps.filter((s) => s.label === 'faasml (warm-pool)');
  figures.push(...sweepFigures(warmPool));
  const comparison = loadStudyResult<{ coldStarts: ColdStartSample[] }>('comparison');
  if (sweeps.length > warmPool.length || comparison) figures.push(...comparisonFigures(sweeps, comparison?.coldStarts ?? []));
  const byFunction = new Map(FUNCTIONS.map((fn) => [fn, sweeps.filter((s) => s.functionName === fn)]));
  const answers = [trainingAnswer(training?.timings ?? []), growthAnswer(warmPool), platformAnswer(byFunction)].join('\n\n');
  return { figures, answers };
}

export async function writeStudyFigures(formats: ExportFormat[], dir?: string): Promise<{ written: string[]; answers: string }> {
  const { figures, answers } = await studyFigures();
  const written = await exportFigures(figures, { formats, dir });
  const answersFile = join(studyDir(), 'answers.md');
  writeFileSync(answersFile, `# The three answers, as measured\n\n${answers}\n`);
  return { written: [...written, answersFile], answers };
}

export async function runStudy(params: StudyParams, log: Log, formats: ExportFormat[] = ['html', 'png', 'svg']): Promise<{ written: string[]; answers: string }> {
  await trainLocallyStep(params, log);
  await trainingStep(params, log);
  const warmPool = await sweepStep(params, log);
  await compareStep(params, warmPool, log);
  log('figures');
  return writeStudyFigures(formats);
}
