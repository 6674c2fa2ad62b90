// ResNet-50: shapes, Keras layer names, parameter count, seeded weights, and a training run
// whose loss falls (tiny width on wasm to stay fast).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../src/ml/backend.js';
import { buildResNet50 } from '../src/ml/resnet50.js';
import { normalizeImages, predictImages, trainResNet, type LabeledImages } from '../src/ml/resnet-train.js';
import { seededRandom } from '../src/ml/seeded-random.js';
import { PayloadTooLargeError, ValidationError } from '../src/errors.js';

/** A learnable set: the class decides which quadrant is bright. */
function quadrantImages(count: number, size: number, seed: number): LabeledImages {
  const r = seededRandom(seed);
  const x = new Float32Array(count * size * size * 3);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const c = r.int(4);
    labels[n] = c;
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        const quadrant = (i < size / 2 ? 0 : 2) + (j < size / 2 ? 0 : 1);
        for (let ch = 0; ch < 3; ch++) x[((n * size + i) * size + j) * 3 + ch] = r.next() * 0.4 + (quadrant === c ? 0.5 : 0);
      }
  }
  return { x, labels, count, height: size, width: size, classes: ['tl', 'tr', 'bl', 'br'], source: `quadrants seed=${seed}` };
}

test('full ResNet-50 (imagenet stem, 1000 classes) has Keras\'s 25,636,712 parameters and layer names', async () => {
  await initBackend();
  const model = buildResNet50({ numClasses: 1000, inputShape: [224, 224, 3] });
  try {
    assert.equal(model.countParams(), 25_636_712);
    const names = new Set(model.layers.map((l) => l.name));
    for (const name of [
      'conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu', 'pool1_pad', 'pool1_pool',
      'conv2_block1_0_conv', 'conv2_block1_0_bn', 'conv2_block1_1_conv', 'conv2_block1_1_bn', 'conv2_block1_1_relu',
      'conv2_block1_2_conv', 'conv2_block1_3_bn', 'conv2_block1_add', 'conv2_block1_out', 'conv2_block3_out',
      'conv3_block4_out', 'conv4_block6_out', 'conv5_block1_0_conv', 'conv5_block3_out', 'avg_pool', 'predictions',
    ]) assert.ok(names.has(name), `missing layer ${name}`);
    assert.ok(!names.has('conv2_block2_0_conv'), 'only the first block of a stage has a projection shortcut');
    assert.deepEqual(model.outputs[0].shape, [null, 1000]);
  } finally {
    model.dispose();
  }
});

test('both stems give [N, 10] probabilities on 32×32 inputs', async () => {
  await initBackend();
  for (const stem of ['imagenet', 'cifar'] as const) {
    const model = buildResNet50({ stem, widthMultiplier: 0.0625 });
    const names = model.layers.map((l) => l.name);
    assert.ok(names.includes('conv1_conv') && names.includes('conv1_bn'));
    assert.equal(names.includes('pool1_pool'), stem === 'imagenet');
    const out = tf().tidy(() => (model.predict(tf().zeros([3, 32, 32, 3])) as ReturnType<typeof tf>['Tensor']['prototype']).arraySync()) as number[][];
    assert.equal(out.length, 3);
    for (const row of out) {
      assert.equal(row.length, 10);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    }
    model.dispose();
  }
});

test('the same seed builds the same weights, another seed different ones', async () => {
  await initBackend();
  const weights = (seed: number) => {
    const m = buildResNet50({ seed, widthMultiplier: 0.0625 });
    const values = m.getWeights().map((w) => Array.from(w.dataSync()));
    m.dispose();
    return values;
  };
  const a = weights(7);
  assert.deepEqual(weights(7), a);
  assert.notDeepEqual(weights(8), a);
});

test('bad options and data are ValidationErrors', async () => {
  await initBackend();
  assert.throws(() => buildResNet50({ stem: 'tiny' as never }), ValidationError);
  const d = quadrantImages(4, 8, 1);
  await assert.rejects(trainResNet({ data: { ...d, count: 5 } }), ValidationError);
  await assert.rejects(trainResNet({ data: { ...d, labels: Uint8Array.from([0, 1, 9, 2]) } }), /label 9/);
  await assert.rejects(trainResNet({ data: d, epochs: 0 }), /epochs must be a positive integer/);
  const model = buildResNet50({ widthMultiplier: 0.0625, inputShape: [8, 8, 3], numClasses: 4 });
  assert.throws(() => predictImages(model, new Float32Array(10), 1, d.classes), ValidationError);
  assert.throws(() => predictImages(model, new Float32Array(8 * 8 * 3).fill(NaN), 1, d.classes), /not a finite number/);
  model.dispose();
  assert.equal(normalizeImages(Float32Array.from([0.4914, 0.4822, 0.4465])).every((v) => Math.abs(v) < 1e-6), true);
});

test('a batch whose activations overflow the wasm heap is refused up front (413), not a wasm crash', async () => {
  await initBackend('wasm');
  const data = quadrantImages(4, 32, 2);
  await assert.rejects(trainResNet({ data, stem: 'cifar', batchSize: 32 }), (err: unknown) => {
    assert.ok(err instanceof PayloadTooLargeError);
    assert.match((err as Error).message, /batch size 32 needs about \d+ MB.*use batchSize ≤ \d+/);
    return true;
  });
});

test('training on wasm lowers the loss and predicts held-out images above chance', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  const data = quadrantImages(120, 16, 3);
  const batches: number[] = [];
  const before = tf().memory().numTensors;
  const result = await trainResNet({
    data, epochs: 3, batchSize: 16, stem: 'cifar', widthMultiplier: 0.0625, seed: 5, validationSplit: 0.25,
    onBatch: (b) => batches.push(b.loss),
  });
  assert.equal(result.backend, 'wasm');
  assert.equal(result.images, 90 * 3);
  assert.equal(result.history.loss.length, 3);
  assert.ok(result.history.loss[2] < result.history.loss[0], `loss ${result.history.loss.join(' → ')}`);
  assert.ok(result.valAccuracy > 0.4, `held-out accuracy ${result.valAccuracy} (chance 0.25)`);
  assert.ok(result.imagesPerSecond > 0 && Number.isFinite(result.imagesPerSecond));
  assert.equal(batches.length, 3 * Math.ceil(90 / 16));
  const predictions = predictImages(result.model, data.x.subarray(0, 2 * 16 * 16 * 3), 2, data.classes);
  assert.equal(predictions.length, 2);
  for (const p of predictions) {
    assert.equal(p.className, data.classes[p.classIndex]);
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  }
  result.model.dispose();
  // Weights, optimizer slots and the model are gone: nothing leaked per batch.
  assert.ok(tf().memory().numTensors - before < 5, `tensors left: ${tf().memory().numTensors - before}`);
});
