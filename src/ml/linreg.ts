// Linear regression on the features of a formula: generate seeded data from the formula,
// fit one dense layer with TensorFlow.js, and compare against the closed-form least squares.
// Training runs on standardized features and target (so one learning rate suits any scale);
// the saved model is then rewritten to act on raw features, so its weights ARE the fitted
// coefficients and inference needs no scaler.
import type * as tfjs from '@tensorflow/tfjs';
import { ValidationError } from '../errors.js';
import { activeBackend, initBackend, tf } from './backend.js';
import { featurize, parseFormula, type ParsedFormula } from './formula.js';
import { seededRandom, shuffleInPlace } from './seeded-random.js';

export const LINREG_LIMITS = { maxSamples: 1_000_000, maxEpochs: 1000, maxBatchSize: 65536 };

export interface LinearData {
  /** n × k feature values, row-major. */
  X: Float32Array;
  y: Float32Array;
  n: number;
  featureNames: string[];
  variables: string[];
  /** n × variables raw inputs, row-major. */
  rawInputs: Float32Array;
  range: [number, number];
}

export interface GenerateOptions {
  formula: string | ParsedFormula;
  samples: number;
  noise?: number;
  seed?: number;
  /** Inputs are uniform in this range: [-1, 1], or [0.1, 2] when log/sqrt need positive inputs. */
  range?: [number, number];
}

function asFormula(f: string | ParsedFormula): ParsedFormula {
  return typeof f === 'string' ? parseFormula(f) : f;
}

export function defaultRange(formula: ParsedFormula): [number, number] {
  return formula.needsPositiveInputs ? [0.1, 2] : [-1, 1];
}

export function generateLinearData(opts: GenerateOptions): LinearData {
  const formula = asFormula(opts.formula);
  const n = opts.samples;
  const range = opts.range ?? defaultRange(formula);
  const rng = seededRandom(opts.seed ?? 42);
  const v = formula.variables.length;
  const k = formula.features.length;
  const rawInputs = new Float32Array(n * v);
  for (let i = 0; i < rawInputs.length; i++) rawInputs[i] = rng.uniform(range[0], range[1]);
  const X = featurize(formula, rawInputs, n);
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) {
      const name = formula.features[i % k].name;
      throw new ValidationError(`formula: feature ${name} is not finite for inputs in [${range.join(', ')}]`);
    }
  }
  const y = new Float32Array(n);
  const noise = opts.noise ?? 0;
  for (let r = 0; r < n; r++) {
    let s = formula.intercept;
    for (let f = 0; f < k; f++) s += formula.coefficients[f] * X[r * k + f];
    y[r] = s + (noise > 0 ? noise * rng.gaussian() : 0);
  }
  return { X, y, n, featureNames: formula.features.map((f) => f.name), variables: formula.variables, rawInputs, range };
}

/**
 * Closed-form least squares with an intercept: Householder QR in float64 on [X | 1].
 * Returns k coefficients followed by the intercept.
 */
export function leastSquares(X: ArrayLike<number>, y: ArrayLike<number>, n: number, k: number): number[] {
  const m = k + 1;
  if (n < m) throw new ValidationError(`least squares needs at least ${m} samples, got ${n}`);
  // Column-major copy so each Householder step walks contiguous memory.
  const A = new Float64Array(n * m);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) A[c * n + r] = X[r * k + c];
    A[k * n + r] = 1;
  }
  const b = Float64Array.from(y as ArrayLike<number>);
  for (let c = 0; c < m; c++) {
    const col = c * n;
    let norm = 0;
    for (let r = c; r < n; r++) norm += A[col + r] * A[col + r];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = A[col + c] > 0 ? -norm : norm;
    // v = a - alpha e1, stored in place of the column below the diagonal.
    A[col + c] -= alpha;
    let vnorm2 = 0;
    for (let r = c; r < n; r++) vnorm2 += A[col + r] * A[col + r];
    if (vnorm2 === 0) continue;
    const apply = (target: Float64Array, offset: number): void => {
      let dot = 0;
      for (let r = c; r < n; r++) dot += A[col + r] * target[offset + r];
      const s = (2 * dot) / vnorm2;
      for (let r = c; r < n; r++) target[offset + r] -= s * A[col + r];
    };
    for (let c2 = c + 1; c2 < m; c2++) apply(A, c2 * n);
    apply(b, 0);
    // Keep R's diagonal: after reflection the column is alpha e1.
    for (let r = c + 1; r < n; r++) A[col + r] = 0;
    A[col + c] = alpha;
  }
  const beta = new Array<number>(m).fill(0);
  for (let c = m - 1; c >= 0; c--) {
    let s = b[c];
    for (let c2 = c + 1; c2 < m; c2++) s -= A[c2 * n + c] * beta[c2];
    const d = A[c * n + c];
    if (Math.abs(d) < 1e-12) throw new ValidationError('least squares: the features are linearly dependent (a feature repeats another or is constant)');
    beta[c] = s / d;
  }
  return beta;
}

export interface CoefficientRow {
  term: string;
  true: number;
  fitted: number;
  leastSquares: number;
}

export interface TrainLinearOptions {
  formula: string;
  samples?: number;
  epochs?: number;
  learningRate?: number;
  optimizer?: 'adam' | 'sgd';
  batchSize?: number;
  seed?: number;
  noise?: number;
  testSplit?: number;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainLinearResult {
  model: tfjs.LayersModel;
  formula: string;
  target: string;
  features: string[];
  variables: string[];
  coefficients: CoefficientRow[];
  mseTest: number;
  r2Test: number;
  lossHistory: number[];
  backend: string;
  trainSeconds: number;
  samples: number;
  epochs: number;
  data: string;
}

function checkInt(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new ValidationError(`${name}: expected an integer from ${lo} to ${hi}, got ${v}`);
}

function checkNumber(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isFinite(v) || v < lo || v > hi) throw new ValidationError(`${name}: expected a number from ${lo} to ${hi}, got ${v}`);
}

function columnStats(X: Float32Array, rows: number, k: number, col: number): { mean: number; std: number } {
  let s = 0;
  for (let r = 0; r < rows; r++) s += X[r * k + col];
  const mean = s / rows;
  let v = 0;
  for (let r = 0; r < rows; r++) v += (X[r * k + col] - mean) ** 2;
  const std = Math.sqrt(v / rows);
  return { mean, std: std > 1e-12 ? std : 1 };
}

/** A dense layer from k features to one output (the saved model's whole architecture). */
export function buildLinearModel(k: number, seed = 42): tfjs.LayersModel {
  const t = tf();
  const model = t.sequential();
  model.add(t.layers.dense({ units: 1, inputShape: [k], kernelInitializer: t.initializers.glorotUniform({ seed }), name: 'linear' }));
  return model;
}

export async function trainLinearRegression(opts: TrainLinearOptions): Promise<TrainLinearResult> {
  const samples = opts.samples ?? 10_000;
  const epochs = opts.epochs ?? 50;
  const batchSize = opts.batchSize ?? 64;
  const learningRate = opts.learningRate ?? 0.05;
  const seed = opts.seed ?? 42;
  const noise = opts.noise ?? 0;
  const testSplit = opts.testSplit ?? 0.2;
  checkInt('samples', samples, 10, LINREG_LIMITS.maxSamples);
  checkInt('epochs', epochs, 1, LINREG_LIMITS.maxEpochs);
  checkInt('batchSize', batchSize, 1, LINREG_LIMITS.maxBatchSize);
  checkInt('seed', seed, 0, 2 ** 31 - 1);
  checkNumber('learningRate', learningRate, 1e-6, 10);
  checkNumber('noise', noise, 0, 1e6);
  checkNumber('testSplit', testSplit, 0, 0.9);
  const optimizerName = opts.optimizer ?? 'adam';
  if (optimizerName !== 'adam' && optimizerName !== 'sgd') throw new ValidationError(`optimizer: expected 'adam' or 'sgd', got ${String(optimizerName)}`);

  const formula = parseFormula(opts.formula);
  const data = generateLinearData({ formula, samples, noise, seed });
  const k = formula.features.length;
  const nTest = Math.floor(samples * testSplit);
  const nTrain = samples - nTest;
  if (nTrain < k + 1) throw new ValidationError(`samples: ${samples} leaves ${nTrain} training rows, need more than ${k} features`);

  await initBackend();
  const t = tf();
  const stats = Array.from({ length: k }, (_, c) => columnStats(data.X, nTrain, k, c));
  const yStats = columnStats(data.y, nTrain, 1, 0);
  const Xs = new Float32Array(nTrain * k);
  const ys = new Float32Array(nTrain);
  for (let r = 0; r < nTrain; r++) {
    for (let c = 0; c < k; c++) Xs[r * k + c] = (data.X[r * k + c] - stats[c].mean) / stats[c].std;
    ys[r] = (data.y[r] - yStats.mean) / yStats.std;
  }

  const model = buildLinearModel(k, seed);
  const optimizer = optimizerName === 'adam' ? t.train.adam(learningRate) : t.train.sgd(learningRate);
  const xAll = t.tensor2d(Xs, [nTrain, k]);
  const yAll = t.tensor2d(ys, [nTrain, 1]);
  const order = new Int32Array(nTrain).map((_, i) => i);
  const rng = seededRandom(seed + 1);
  const lossHistory: number[] = [];
  const started = performance.now();
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      setLearningRate(optimizer, learningRate * decay(epoch, epochs));
      shuffleInPlace(order, rng);
      const idx = t.tensor1d(order, 'int32');
      const xEpoch = t.gather(xAll, idx);
      const yEpoch = t.gather(yAll, idx);
      idx.dispose();
      let lossSum: tfjs.Tensor = t.scalar(0);
      let batches = 0;
      for (let start = 0; start < nTrain; start += batchSize) {
        const size = Math.min(batchSize, nTrain - start);
        const loss = t.tidy(() => {
          const xb = xEpoch.slice([start, 0], [size, k]);
          const yb = yEpoch.slice([start, 0], [size, 1]);
          return optimizer.minimize(() => t.losses.meanSquaredError(yb, model.apply(xb) as tfjs.Tensor) as tfjs.Scalar, true) as tfjs.Scalar;
        });
        // Reading the loss every batch would sync; sum on the device, read once an epoch.
        const sum = lossSum.add(loss);
        lossSum.dispose();
        loss.dispose();
        lossSum = sum;
        batches++;
      }
      xEpoch.dispose();
      yEpoch.dispose();
      // Loss in the target's own units (the model trains on a standardized target).
      const epochLoss = ((await lossSum.data())[0] / batches) * yStats.std * yStats.std;
      lossSum.dispose();
      lossHistory.push(epochLoss);
      opts.onEpoch?.(epoch, epochLoss);
    }
  } finally {
    xAll.dispose();
    yAll.dispose();
    optimizer.dispose();
  }
  const trainSeconds = (performance.now() - started) / 1000;

  // Fold the scalers into the weights: y = sum(coef_j x_j) + intercept on raw features.
  const [kernel, bias] = model.getWeights();
  const w = await kernel.data();
  const b = (await bias.data())[0];
  const fitted = Array.from(w, (wj, j) => (yStats.std * wj) / stats[j].std);
  let intercept = yStats.mean + yStats.std * b;
  for (let j = 0; j < k; j++) intercept -= (yStats.std * w[j] * stats[j].mean) / stats[j].std;
  const rawWeights = [t.tensor2d(fitted, [k, 1]), t.tensor1d([intercept])];
  model.setWeights(rawWeights);
  rawWeights.forEach((w) => w.dispose());

  const ls = leastSquares(data.X.subarray(0, nTrain * k), data.y.subarray(0, nTrain), nTrain, k);
  const coefficients: CoefficientRow[] = formula.features.map((f, j) => ({ term: f.name, true: formula.coefficients[j], fitted: fitted[j], leastSquares: ls[j] }));
  coefficients.push({ term: '(intercept)', true: formula.intercept, fitted: intercept, leastSquares: ls[k] });

  const { mse, r2 } = await evaluate(model, data.X.subarray(nTrain * k), data.y.subarray(nTrain), nTest, k);
  return {
    model,
    formula: formula.source,
    target: formula.target,
    features: formula.features.map((f) => f.name),
    variables: formula.variables,
    coefficients,
    mseTest: mse,
    r2Test: r2,
    lossHistory,
    backend: activeBackend(),
    trainSeconds,
    samples,
    epochs,
    data: `synthetic from formula, seed ${seed}, noise ${noise}, inputs uniform in [${data.range.join(', ')}]`,
  };
}

/**
 * Cosine decay to 1% of the initial rate: on noiseless data Adam otherwise keeps hopping
 * around the optimum with steps the size of the learning rate.
 */
function decay(epoch: number, epochs: number): number {
  if (epochs <= 1) return 1;
  return 0.01 + 0.99 * 0.5 * (1 + Math.cos((Math.PI * epoch) / (epochs - 1)));
}

function setLearningRate(optimizer: tfjs.Optimizer, rate: number): void {
  // tfjs reads `learningRate` at every step but declares it protected on Adam.
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

async function evaluate(model: tfjs.LayersModel, X: Float32Array, y: Float32Array, n: number, k: number): Promise<{ mse: number; r2: number }> {
  if (n === 0) return { mse: NaN, r2: NaN };
  const t = tf();
  const out = t.tidy(() => model.predict(t.tensor2d(X, [n, k])) as tfjs.Tensor);
  const p = await out.data();
  out.dispose();
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (p[i] - y[i]) ** 2;
    sst += (y[i] - mean) ** 2;
  }
  return { mse: sse / n, r2: sst > 0 ? 1 - sse / sst : 1 };
}

/**
 * Inference on raw input variables: computes the formula's features for each row (inputs
 * row-major, `rows` × variables), then runs the model. Returns one prediction per row.
 */
export function predictLinear(model: tfjs.LayersModel, formula: ParsedFormula, inputs: ArrayLike<number>, rows: number): Float32Array {
  const t = tf();
  const k = formula.features.length;
  const X = featurize(formula, inputs, rows);
  const out = t.tidy(() => model.predict(t.tensor2d(X, [rows, k])) as tfjs.Tensor);
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}
