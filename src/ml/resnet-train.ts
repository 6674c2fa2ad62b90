// Training and inference for ResNet-50 on small labelled images: SGD with momentum, seeded
// shuffling and a seeded held-out split, one preprocessing step (normalizeImages) shared by
// training and inference.
import type * as tfTypes from '@tensorflow/tfjs';
import { initBackend, tf } from './backend.js';
import { buildResNet50, type Stem } from './resnet50.js';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import { seededRandom, type Random } from './seeded-random.js';

export interface LabeledImages {
  x: Float32Array; // N*H*W*3, HWC, values 0..1
  labels: Uint8Array; // N
  count: number;
  height: number;
  width: number;
  classes: string[];
  source: string; // what data, e.g. 'synthetic seed=1'
}

export interface ResNetTrainOptions {
  data: LabeledImages;
  epochs?: number; // 1
  batchSize?: number; // 32
  stem?: Stem; // 'imagenet'
  seed?: number; // 42: weights, split and shuffling
  learningRate?: number; // 0.01
  momentum?: number; // 0.9
  validationSplit?: number; // 0.2, held-out split taken deterministically by seed
  widthMultiplier?: number; // 1
  onBatch?: (info: { epoch: number; batch: number; batches: number; loss: number }) => void;
  onEpoch?: (info: { epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number }) => void;
  model?: tfTypes.LayersModel; // continue training an existing model (recompiled with these options)
}

export interface ResNetTrainResult {
  model: tfTypes.LayersModel;
  history: { loss: number[]; accuracy: number[]; valLoss: number[]; valAccuracy: number[] };
  valAccuracy: number; // last epoch's; NaN without a validation split
  trainSeconds: number; // time spent in training steps (validation excluded)
  imagesPerSecond: number; // training images per second of trainSeconds
  images: number; // training images seen, over all epochs
  epochs: number;
  backend: string;
  stem: Stem;
  data: string;
}

export interface Prediction {
  classIndex: number;
  className: string;
  probabilities: number[];
}

/** Per-channel statistics the inputs are normalised with (CIFAR-10's, for 0..1 RGB pixels). */
export const CHANNEL_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CHANNEL_STD = [0.247, 0.2435, 0.2616] as const;

/** Training images whose batch statistics set the batch-norm averages after each epoch. */
const CALIBRATION_IMAGES = 256;

/** The preprocessing both training and inference apply: (pixel - mean[c]) / std[c], HWC, 3 channels. */
export function normalizeImages(x: Float32Array): Float32Array {
  if (x.length % 3 !== 0) throw new ValidationError(`image data length ${x.length} is not a multiple of 3 channels`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += 3) {
    out[i] = (x[i] - CHANNEL_MEAN[0]) / CHANNEL_STD[0];
    out[i + 1] = (x[i + 1] - CHANNEL_MEAN[1]) / CHANNEL_STD[1];
    out[i + 2] = (x[i + 2] - CHANNEL_MEAN[2]) / CHANNEL_STD[2];
  }
  return out;
}

function shuffled(indices: number[], random: Random): number[] {
  const a = indices.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function checkData(d: LabeledImages): void {
  const pixels = d.height * d.width * 3;
  if (!Number.isInteger(d.count) || d.count < 2) throw new ValidationError(`need at least 2 images, got ${d.count}`);
  if (!Number.isInteger(d.height) || !Number.isInteger(d.width) || d.height < 1 || d.width < 1) {
    throw new ValidationError(`image size must be positive integers, got ${d.height}×${d.width}`);
  }
  if (d.x.length !== d.count * pixels) {
    throw new ValidationError(`x has ${d.x.length} values; ${d.count} images of ${d.height}×${d.width}×3 need ${d.count * pixels}`);
  }
  if (d.labels.length !== d.count) throw new ValidationError(`labels has ${d.labels.length} entries for ${d.count} images`);
  if (d.classes.length < 2) throw new ValidationError(`need at least 2 classes, got ${d.classes.length}`);
  for (let i = 0; i < d.count; i++) {
    if (d.labels[i] >= d.classes.length) throw new ValidationError(`label ${d.labels[i]} at image ${i} is not one of ${d.classes.length} classes`);
  }
}

function positive(name: string, value: number, integer: boolean): number {
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new ValidationError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return value;
}

/**
 * Layer outputs of one training batch, in bytes. The wasm heap is one 32-bit memory (4 GiB at
 * most) that also holds gradients and kernel scratch; when it runs out the backend aborts with
 * "memory access out of bounds" and is unusable afterwards, so refuse such a batch up front.
 * Measured with ResNet-50's CIFAR stem: 1.4 GB of outputs (batch 32) and 0.71 GB (batch 16) crash,
 * 0.36 GB (batch 8) trains. The ImageNet stem needs about 3 MB an image at 32×32.
 */
export function activationBytes(model: tfTypes.LayersModel, batchSize: number): number {
  let elements = 0;
  for (const layer of model.layers) {
    const shape = layer.outputShape as Array<number | null>;
    elements += shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1);
  }
  return elements * batchSize * 4;
}

export const WASM_MAX_ACTIVATION_BYTES = 400e6;

function checkActivationMemory(model: tfTypes.LayersModel, batchSize: number, backend: string): void {
  if (backend !== 'wasm') return;
  const bytes = activationBytes(model, batchSize);
  if (bytes > WASM_MAX_ACTIVATION_BYTES) {
    const fits = Math.max(1, Math.floor((WASM_MAX_ACTIVATION_BYTES / bytes) * batchSize));
    throw new PayloadTooLargeError(
      `batch size ${batchSize} needs about ${Math.round(bytes / 1e6)} MB of layer outputs, more than the wasm backend's ` +
        `memory allows (${WASM_MAX_ACTIVATION_BYTES / 1e6} MB); use batchSize ≤ ${fits} or the imagenet stem`,
    );
  }
}

/** Copies the chosen images (already normalised) and one-hot labels into tensors. */
function gatherBatch(normalized: Float32Array, d: LabeledImages, idx: number[]): { xs: tfTypes.Tensor4D; ys: tfTypes.Tensor2D } {
  const t = tf();
  const pixels = d.height * d.width * 3;
  const xb = new Float32Array(idx.length * pixels);
  const yb = new Float32Array(idx.length * d.classes.length);
  idx.forEach((src, row) => {
    xb.set(normalized.subarray(src * pixels, (src + 1) * pixels), row * pixels);
    yb[row * d.classes.length + d.labels[src]] = 1;
  });
  return { xs: t.tensor4d(xb, [idx.length, d.height, d.width, 3]), ys: t.tensor2d(yb, [idx.length, d.classes.length]) };
}

/**
 * Re-estimates every batch-norm layer's moving mean and variance as the plain average of the
 * batch statistics over `idx` (forward passes in training mode, no weight update). A short run
 * updates the moving averages only a few dozen times, so without this inference-mode outputs
 * (validation, predictImages) lag far behind what the network learnt ("precise BN").
 */
export function recalibrateBatchNorm(model: tfTypes.LayersModel, normalized: Float32Array, d: LabeledImages, idx: number[], batchSize: number): void {
  const t = tf();
  const bnLayers = model.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as Array<{ momentum: number }>;
  if (bnLayers.length === 0) return;
  const saved = bnLayers.map((l) => l.momentum);
  try {
    let pass = 0;
    for (let start = 0; start + 1 < idx.length; start += batchSize) {
      pass += 1;
      // moving = moving·m + batch·(1-m) with m = 1 - 1/pass is the running mean of batch stats.
      for (const l of bnLayers) l.momentum = 1 - 1 / pass;
      t.tidy(() => {
        const { xs } = gatherBatch(normalized, d, idx.slice(start, start + batchSize));
        model.apply(xs, { training: true });
      });
    }
  } finally {
    bnLayers.forEach((l, i) => (l.momentum = saved[i]));
  }
}

/** Mean cross-entropy and accuracy of the model (inference mode) over the given images. */
function evaluate(model: tfTypes.LayersModel, normalized: Float32Array, d: LabeledImages, idx: number[], batchSize: number) {
  const t = tf();
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < idx.length; start += batchSize) {
    const chunk = idx.slice(start, start + batchSize);
    const [loss, hits] = t.tidy(() => {
      const { xs, ys } = gatherBatch(normalized, d, chunk);
      const probs = model.predict(xs) as tfTypes.Tensor2D;
      const ce = t.neg(t.sum(t.mul(ys, t.log(t.clipByValue(probs, 1e-7, 1)))));
      const ok = t.sum(t.cast(t.equal(t.argMax(probs, 1), t.argMax(ys, 1)), 'float32'));
      return [ce.dataSync()[0], ok.dataSync()[0]];
    });
    lossSum += loss;
    correct += hits;
  }
  return { loss: lossSum / idx.length, accuracy: correct / idx.length };
}

export async function trainResNet(opts: ResNetTrainOptions): Promise<ResNetTrainResult> {
  const d = opts.data;
  checkData(d);
  const epochs = positive('epochs', opts.epochs ?? 1, true);
  const batchSize = positive('batchSize', opts.batchSize ?? 32, true);
  const learningRate = positive('learningRate', opts.learningRate ?? 0.01, false);
  const momentum = opts.momentum ?? 0.9;
  const seed = opts.seed ?? 42;
  const stem = opts.stem ?? 'imagenet';
  const validationSplit = opts.validationSplit ?? 0.2;
  if (!(validationSplit >= 0 && validationSplit < 1)) throw new ValidationError(`validationSplit must be in [0, 1), got ${validationSplit}`);
  if (!(momentum >= 0 && momentum < 1)) throw new ValidationError(`momentum must be in [0, 1), got ${momentum}`);

  const backend = await initBackend();
  const t = tf();
  const model =
    opts.model ??
    buildResNet50({ stem, numClasses: d.classes.length, inputShape: [d.height, d.width, 3], seed, widthMultiplier: opts.widthMultiplier });
  const [, mh, mw, mc] = model.inputs[0].shape;
  if (mh !== d.height || mw !== d.width || mc !== 3) {
    throw new ValidationError(`the model takes ${mh}×${mw}×${mc} images, the data is ${d.height}×${d.width}×3`);
  }
  checkActivationMemory(model, batchSize, backend);
  // The optimizer made here belongs to the model: mark it owned so model.dispose() frees its
  // momentum slots too, and free the one a previous trainResNet call left on a continued model.
  const owned = model as unknown as { optimizer?: tfTypes.Optimizer; isOptimizerOwned?: boolean };
  if (opts.model !== undefined && owned.optimizer !== undefined && owned.isOptimizerOwned) owned.optimizer.dispose();
  model.compile({ optimizer: t.train.momentum(learningRate, momentum), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  owned.isOptimizerOwned = true;

  const random = seededRandom(seed);
  const order = shuffled(Array.from({ length: d.count }, (_, i) => i), random);
  const valCount = Math.round(d.count * validationSplit);
  const valIdx = order.slice(0, valCount);
  const trainIdx = order.slice(valCount);
  if (trainIdx.length < 2) throw new ValidationError(`validationSplit ${validationSplit} leaves ${trainIdx.length} training images`);
  const normalized = normalizeImages(d.x);

  const history = { loss: [] as number[], accuracy: [] as number[], valLoss: [] as number[], valAccuracy: [] as number[] };
  let trainMs = 0;
  let images = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const epochOrder = shuffled(trainIdx, random);
    // A last batch of one image would give batch norm a zero variance; fold it into the previous.
    const starts: number[] = [];
    for (let s = 0; s < epochOrder.length; s += batchSize) starts.push(s);
    if (starts.length > 1 && epochOrder.length - starts[starts.length - 1] < 2) starts.pop();
    let lossSum = 0;
    let accSum = 0;
    let seen = 0;
    for (let b = 0; b < starts.length; b++) {
      const end = b + 1 < starts.length ? starts[b + 1] : epochOrder.length;
      const idx = epochOrder.slice(starts[b], end);
      const { xs, ys } = gatherBatch(normalized, d, idx);
      const began = performance.now();
      let out: number | number[];
      try {
        out = await model.trainOnBatch(xs, ys);
      } finally {
        xs.dispose();
        ys.dispose();
      }
      trainMs += performance.now() - began;
      const [loss, acc] = Array.isArray(out) ? out : [out, NaN];
      lossSum += loss * idx.length;
      accSum += acc * idx.length;
      seen += idx.length;
      opts.onBatch?.({ epoch, batch: b, batches: starts.length, loss });
    }
    images += seen;
    recalibrateBatchNorm(model, normalized, d, epochOrder.slice(0, Math.max(batchSize, CALIBRATION_IMAGES)), batchSize);
    const val = valIdx.length > 0 ? evaluate(model, normalized, d, valIdx, batchSize) : { loss: NaN, accuracy: NaN };
    const info = { epoch, loss: lossSum / seen, accuracy: accSum / seen, valLoss: val.loss, valAccuracy: val.accuracy };
    history.loss.push(info.loss);
    history.accuracy.push(info.accuracy);
    history.valLoss.push(info.valLoss);
    history.valAccuracy.push(info.valAccuracy);
    opts.onEpoch?.(info);
  }
  const trainSeconds = trainMs / 1000;
  return {
    model, history, valAccuracy: history.valAccuracy[history.valAccuracy.length - 1],
    trainSeconds, imagesPerSecond: images / trainSeconds, images, epochs, backend, stem, data: d.source,
  };
}

/** Class probabilities for `count` HWC images with values 0..1 (normalised here, as in training). */
export function predictImages(model: tfTypes.LayersModel, x: Float32Array, count: number, classes: string[]): Prediction[] {
  const t = tf();
  const [, h, w, c] = model.inputs[0].shape;
  if (h == null || w == null || c !== 3) throw new ValidationError('the model does not take fixed-size 3-channel images');
  if (!Number.isInteger(count) || count < 1) throw new ValidationError(`count must be a positive integer, got ${count}`);
  if (x.length !== count * h * w * 3) {
    throw new ValidationError(`x has ${x.length} values; ${count} images of ${h}×${w}×3 need ${count * h * w * 3}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new ValidationError(`pixel value at index ${i} is not a finite number`);
  }
  const units = (model.outputs[0].shape[1] ?? 0) as number;
  if (classes.length !== units) throw new ValidationError(`${classes.length} class names for a model with ${units} outputs`);
  const normalized = normalizeImages(x);
  const pixels = h * w * 3;
  const predictions: Prediction[] = [];
  const chunkSize = 32;
  for (let start = 0; start < count; start += chunkSize) {
    const n = Math.min(chunkSize, count - start);
    // Read the values outside tidy: tidy walks whatever it returns, element by element.
    const probsTensor = t.tidy(() => {
      const xs = t.tensor4d(normalized.subarray(start * pixels, (start + n) * pixels), [n, h, w, 3]);
      return model.predict(xs) as tfTypes.Tensor2D;
    });
    const probs = probsTensor.dataSync() as Float32Array;
    probsTensor.dispose();
    for (let i = 0; i < n; i++) {
      const row = Array.from(probs.subarray(i * units, (i + 1) * units));
      let best = 0;
      for (let k = 1; k < units; k++) if (row[k] > row[best]) best = k;
      predictions.push({ classIndex: best, className: classes[best], probabilities: row });
    }
  }
  return predictions;
}
