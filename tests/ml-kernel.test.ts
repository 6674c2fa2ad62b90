// The wasm Conv2DBackpropFilter kernel (missing in tfjs) and our faster Conv2DBackpropInput
// against the cpu backend's own gradients, same seeded inputs; and the batch-norm gradient that
// broadcasts instead of tiling against tfjs-core's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf } from '../src/ml/backend.js';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { conv2dBackpropFilterFromForwardOps } from '../src/ml/wasm-conv2d-backprop-filter.js';
import { conv2dBackpropInputFromForwardOps } from '../src/ml/wasm-conv2d-backprop-input.js';
import { fastBatchNormGradientRegistered } from '../src/ml/wasm-batchnorm-grad.js';

function seededValues(count: number, seed: number): Float32Array {
  // mulberry32: small, deterministic, good enough for test data in [-1, 1).
  let a = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

interface Case { size: number; filter: number; stride: 1 | 2; pad: 'same' | 'valid' }

const cases: Case[] = [];
for (const stride of [1, 2] as const)
  for (const filter of [1, 3, 7])
    for (const pad of ['same', 'valid'] as const)
      for (const size of [9, 10]) cases.push({ size, filter, stride, pad });

/**
 * dLoss/dx and dLoss/dFilter for loss = Σ conv2d(x, f) · dy, which are Conv2DBackpropInput(dy, f)
 * and Conv2DBackpropFilter(x, dy).
 */
function convGradients(c: Case, seed: number): { dx: Grad; dFilter: Grad } {
  const t = tf();
  const batch = 2, inC = 3, outC = 4;
  const x = t.tensor4d(seededValues(batch * c.size * c.size * inC, seed), [batch, c.size, c.size, inC]);
  const f = t.tensor4d(seededValues(c.filter * c.filter * inC * outC, seed + 1), [c.filter, c.filter, inC, outC]);
  const outShape = t.tidy(() => t.conv2d(x, f, c.stride, c.pad).shape);
  const dy = t.tensor(seededValues(outShape.reduce((p, q) => p * q, 1), seed + 2), outShape);
  const [gx, gf] = t.grads((xx: Tensor, ff: Tensor) =>
    t.sum(t.mul(t.conv2d(xx as Tensor4D, ff as Tensor4D, c.stride, c.pad), dy)))([x, f]);
  // Read values outside tidy (tidy would walk returned typed arrays element by element).
  const result = {
    dx: { values: gx.dataSync() as Float32Array, shape: gx.shape },
    dFilter: { values: gf.dataSync() as Float32Array, shape: gf.shape },
  };
  t.dispose([x, f, dy, gx, gf]);
  return result;
}

interface Grad { values: Float32Array; shape: number[] }

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('the broadcasting batch-norm gradient equals tfjs-core\'s (NHWC, per channel)', async () => {
  const t = tf();
  const bnGradients = (seed: number) => {
    const x = t.tensor4d(seededValues(3 * 5 * 4 * 6, seed), [3, 5, 4, 6]);
    const dy = t.tensor4d(seededValues(3 * 5 * 4 * 6, seed + 1), [3, 5, 4, 6]);
    const params = [0, 1, 2, 3].map((k) => t.tensor1d(seededValues(6, seed + 2 + k)));
    const mean = params[0];
    const variance = t.add(t.abs(params[1]), 0.5) as typeof mean;
    const [scale, offset] = [params[2], params[3]];
    const gs = t.grads((xx: Tensor, m: Tensor, v: Tensor, s: Tensor, o: Tensor) =>
      t.sum(t.mul(t.batchNorm(xx as Tensor4D, m as typeof mean, v as typeof mean, o as typeof mean, s as typeof mean, 1e-3), dy)))(
      [x, mean, variance, scale, offset]);
    const values = gs.map((g) => g.dataSync() as Float32Array);
    t.dispose([x, dy, ...params, variance, ...gs]);
    return values;
  };
  // This file loads wasm (which swaps the gradient in) only after this first reference.
  await initBackend('cpu');
  assert.equal(fastBatchNormGradientRegistered(), false);
  const reference = bnGradients(40);
  await initBackend('wasm');
  assert.equal(fastBatchNormGradientRegistered(), true);
  const wasm = bnGradients(40);
  await initBackend('cpu');
  const cpuFast = bnGradients(40);
  reference.forEach((ref, i) => {
    assert.ok(maxAbsDiff(wasm[i], ref) <= 1e-4, `input ${i} on wasm`);
    assert.ok(maxAbsDiff(cpuFast[i], ref) <= 1e-5, `input ${i} on cpu`);
  });
});

test('wasm Conv2DBackpropFilter and Conv2DBackpropInput match the cpu gradients (strides 1,2 × 1×1,3×3,7×7 × same,valid × odd,even)', async () => {
  await initBackend('cpu');
  const expected = cases.map((c, i) => convGradients(c, 100 + i));
  await initBackend('wasm');
  assert.equal(tf().getBackend(), 'wasm');
  const before = tf().memory().numTensors;
  cases.forEach((c, i) => {
    const got = convGradients(c, 100 + i);
    for (const which of ['dFilter', 'dx'] as const) {
      assert.deepEqual(got[which].shape, expected[i][which].shape, `${which} ${JSON.stringify(c)}`);
      const scale = Math.max(1, ...Array.from(expected[i][which].values, Math.abs));
      const diff = maxAbsDiff(got[which].values, expected[i][which].values) / scale;
      assert.ok(diff <= 1e-4, `${which} ${JSON.stringify(c)}: max abs diff ${diff}`);
    }
  });
  assert.equal(tf().memory().numTensors, before, 'the kernels leak no tensors');
});

test('the gradient kernels registered for wasm are ours', async () => {
  await initBackend('wasm');
  assert.ok(tf().getKernel('Conv2DBackpropFilter', 'wasm'));
  assert.equal((tf().getKernel('Conv2DBackpropInput', 'wasm') as { faasml?: boolean }).faasml, true);
  // Registering twice (another initBackend) keeps one registration and no warnings.
  await initBackend('cpu');
  assert.equal(await initBackend('wasm'), 'wasm');
});

test('NCHW data format gives the NHWC gradients transposed', async () => {
  await initBackend('wasm');
  const t = tf();
  t.tidy(() => {
    const x = t.tensor4d(seededValues(2 * 7 * 7 * 3, 11), [2, 7, 7, 3]);
    const f = t.tensor4d(seededValues(3 * 3 * 3 * 4, 12), [3, 3, 3, 4]);
    const dy = t.tensor4d(seededValues(2 * 4 * 4 * 4, 13), [2, 4, 4, 4]);
    const nhwcFilter = conv2dBackpropFilterFromForwardOps({ x, dy, filterShape: [3, 3, 3, 4], strides: 2, pad: 'same' });
    const nchwFilter = conv2dBackpropFilterFromForwardOps({
      x: t.transpose(x, [0, 3, 1, 2]), dy: t.transpose(dy, [0, 3, 1, 2]), filterShape: [3, 3, 3, 4], strides: 2, pad: 'same', dataFormat: 'NCHW',
    });
    assert.ok(maxAbsDiff(nhwcFilter.dataSync() as Float32Array, nchwFilter.dataSync() as Float32Array) <= 1e-5);
    const nhwcInput = conv2dBackpropInputFromForwardOps({ dy, filter: f, inputShape: [2, 7, 7, 3], strides: 2, pad: 'same' });
    const nchwInput = conv2dBackpropInputFromForwardOps({
      dy: t.transpose(dy, [0, 3, 1, 2]), filter: f, inputShape: [2, 3, 7, 7], strides: 2, pad: 'same', dataFormat: 'NCHW',
    });
    assert.ok(maxAbsDiff(t.transpose(nhwcInput, [0, 3, 1, 2]).dataSync() as Float32Array, nchwInput.dataSync() as Float32Array) <= 1e-5);
  });
});

test('the forward-ops formula handles batch > 1, stride 2 with an even input and 1×1 filters directly', async () => {
  await initBackend('wasm');
  const t = tf();
  t.tidy(() => {
    const x = t.tensor4d(seededValues(3 * 8 * 8 * 5, 7), [3, 8, 8, 5]);
    const dy = t.tensor4d(seededValues(3 * 4 * 4 * 6, 8), [3, 4, 4, 6]);
    const got = conv2dBackpropFilterFromForwardOps({ x, dy, filterShape: [1, 1, 5, 6], strides: 2, pad: 'same' });
    // Reference by definition: Σ over n, oh, ow of x[n, 2oh, 2ow, c] · dy[n, oh, ow, k].
    const xv = x.dataSync(), dv = dy.dataSync();
    const ref = new Float32Array(5 * 6);
    for (let n = 0; n < 3; n++)
      for (let oh = 0; oh < 4; oh++)
        for (let ow = 0; ow < 4; ow++)
          for (let c = 0; c < 5; c++)
            for (let k = 0; k < 6; k++)
              ref[c * 6 + k] += xv[((n * 8 + 2 * oh) * 8 + 2 * ow) * 5 + c] * dv[((n * 4 + oh) * 4 + ow) * 6 + k];
    assert.deepEqual(got.shape, [1, 1, 5, 6]);
    assert.ok(maxAbsDiff(got.dataSync() as Float32Array, ref) <= 1e-4);
  });
});

test('a mismatched dy shape is a clear error', async () => {
  await initBackend('wasm');
  const t = tf();
  assert.throws(
    () => t.tidy(() => conv2dBackpropFilterFromForwardOps({
      x: t.zeros([1, 8, 8, 3]), dy: t.zeros([1, 5, 5, 4]), filterShape: [3, 3, 3, 4], strides: 1, pad: 'same',
    })),
    /do not match filter/,
  );
});
