// lr-train: fits a linear regression to a formula's features on seeded synthetic data and
// saves it as the next version of `lr` (or `name`) in the model store.
// Body (all optional): {"formula", "samples", "epochs", "learningRate", "batchSize", "seed", "noise", "name"}.
import { type FunctionContext, type FunctionEvent, type FunctionResult, jsonBody } from '../../src/contract.js';
import { initBackend } from '../../src/ml/backend.js';
import { LINREG_LIMITS, trainLinearRegression } from '../../src/ml/linreg.js';
import { ModelStore } from '../../src/ml/model-store.js';
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
  const result = await trainLinearRegression({ formula, samples, epochs, batchSize, learningRate, seed, noise });
  try {
    const info = await new ModelStore(ctx.modelsDir).save(name, result.model, {
      kind: 'linreg',
      architecture: `dense ${result.features.length}→1 on formula features`,
      formula: result.formula,
      target: result.target,
      variables: result.variables,
      features: result.features,
      metrics: { mseTest: result.mseTest, r2Test: result.r2Test, finalLoss: result.lossHistory[result.lossHistory.length - 1] },
      data: result.data,
      backend: result.backend,
      trainSeconds: result.trainSeconds,
      training: { samples, epochs, batchSize, learningRate, seed, noise, optimizer: 'adam', coefficients: result.coefficients },
      history: { loss: result.lossHistory },
    });
    ctx.log.info('trained', { model: info.ref, mseTest: result.mseTest, trainSeconds: result.trainSeconds });
    return {
      body: {
        model: info.ref,
        formula: result.formula,
        variables: result.variables,
        coefficients: result.coefficients,
        mseTest: result.mseTest,
        r2Test: result.r2Test,
        trainSeconds: result.trainSeconds,
        samples,
        epochs,
        backend: result.backend,
        computeMs: performance.now() - started,
      },
    };
  } finally {
    result.model.dispose();
  }
}
