// lr-train: fits a linear regression to a formula's features on seeded synthetic data and
// saves it as the next version of `lr` (or `name`) in the model store.
// Body (all optional): {"formula", "samples", "epochs", "learningRate", "batchSize", "seed", "noise", "name"}.
import { type FunctionContext, type FunctionEvent, type FunctionResult, jsonBody } from '../../src/contract.js';
import { initBackend } from '../../src/ml/backend.js';
import { LINREG_LIMITS } from '../../src/ml/linreg.js';
import { runLinearTraining } from '../../src/ml/training-runs.js';
import { intField, numberField, stringField } from '../../src/ml/serving.js';

export const DEFAULT_FORMULA = 'y = 3*x1 - 2*x2 + 1';

export async function init(_ctx: FunctionContext): Promise<void> {
  await initBackend();
}

export async function handle(event: FunctionEvent, ctx: FunctionContext): Promise<FunctionResult> {
  const started = performance.now();
  const body = jsonBody(event);
  const formula = stringField(body, 'formula', DEFAULT_FORMULA, 10_000);
  const name = stringField(body, 'name', 'lr', 64);
  const samples = intField(body, 'samples', 10_000, 10, LINREG_LIMITS.maxSamples);
  const epochs = intField(body, 'epochs', 50, 1, LINREG_LIMITS.maxEpochs);
  const batchSize = intField(body, 'batchSize', 64, 1, LINREG_LIMITS.maxBatchSize);
  const learningRate = numberField(body, 'learningRate', 0.05, 1e-6, 10);
  const seed = intField(body, 'seed', 42, 0, 2 ** 31 - 1);
  const noise = numberField(body, 'noise', 0, 0, 1e6);
  const run = await runLinearTraining({ formula, samples, epochs, batchSize, learningRate, seed, noise, modelsDir: ctx.modelsDir, name });
  ctx.log.info('trained', { model: run.model, mseTest: run.mseTest, trainSeconds: run.trainSeconds });
  return {
    body: {
      model: run.model,
      formula: run.formula,
      variables: run.variables,
      coefficients: run.coefficients,
      mseTest: run.mseTest,
      r2Test: run.r2Test,
      trainSeconds: run.trainSeconds,
      samples: run.samples,
      epochs: run.epochs,
      backend: run.backend,
      computeMs: performance.now() - started,
    },
  };
}
