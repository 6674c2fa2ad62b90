// The first question of the study: is training on FaaS faster than on this machine? The same
// training request runs on a cold instance, on the warm one it left, and in this process.
import { modelsDir } from '../paths.js';
import { runLinearTraining, runResNetTraining } from '../ml/training-runs.js';
import { callFunction } from './invoke.js';
import { scaleToZero } from './session.js';

export interface TrainingTiming {
  workload: 'lr-train' | 'resnet-train';
  where: 'local' | 'faas (cold)' | 'faas (warm)';
  /** Request to response as the caller sees it (local: the call itself). */
  seconds: number;
  /** Time inside the training loop, as the function reported it. */
  trainSeconds: number;
  coldStart: boolean;
  instance?: string;
  model: string;
  backend: string;
  /** R² (lr) or held-out accuracy (resnet) of the model it trained. */
  quality: number;
}

export type TrainingBody = Record<string, unknown>;

function quality(workload: TrainingTiming['workload'], body: Record<string, unknown>): number {
  return Number(workload === 'lr-train' ? body.r2Test : body.valAccuracy);
}

/** One training request through the gateway, timed from the caller's side. */
export async function trainOnFaas(gateway: string, workload: TrainingTiming['workload'], body: TrainingBody): Promise<TrainingTiming> {
  const call = await callFunction(gateway, workload, body);
  if (call.status !== 200) throw new Error(`${workload} answered ${call.status}: ${JSON.stringify(call.body)}`);
  const out = call.body as Record<string, unknown>;
  return {
    workload, where: call.coldStart ? 'faas (cold)' : 'faas (warm)', seconds: call.seconds, trainSeconds: Number(out.trainSeconds),
    coldStart: call.coldStart === true, instance: call.instance ?? undefined, model: String(out.model), backend: String(out.backend),
    quality: quality(workload, out),
  };
}

/** The same training in this process, saved to the same model store. */
export async function trainLocally(workload: TrainingTiming['workload'], body: TrainingBody): Promise<TrainingTiming> {
  const started = performance.now();
  const b = body as Record<string, never>;
  const run =
    workload === 'lr-train'
      ? await runLinearTraining({ formula: b.formula, samples: b.samples, epochs: b.epochs, seed: b.seed, modelsDir: modelsDir() })
      : await runResNetTraining({ data: b.data ?? 'synthetic', images: b.images, epochs: b.epochs, batchSize: b.batchSize, stem: b.stem, seed: b.seed, modelsDir: modelsDir() });
  const seconds = (performance.now() - started) / 1000;
  const q = 'r2Test' in run ? run.r2Test : run.valAccuracy;
  return { workload, where: 'local', seconds, trainSeconds: run.trainSeconds, coldStart: false, model: run.model, backend: run.backend, quality: q };
}

/** Cold on FaaS, then warm on FaaS, then locally: the three timings of one workload. */
export async function compareTraining(gateway: string, workload: TrainingTiming['workload'], body: TrainingBody): Promise<TrainingTiming[]> {
  await scaleToZero(gateway, workload);
  const cold = await trainOnFaas(gateway, workload, body);
  const warm = await trainOnFaas(gateway, workload, body);
  const local = await trainLocally(workload, body);
  return [cold, warm, local];
}
