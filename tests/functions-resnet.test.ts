import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildEvent, type FunctionContext, type FunctionModule } from '../src/contract.ts';
import { errorResponse } from '../src/errors.ts';
import { localContext } from '../src/local-context.ts';
import { generateSynthetic, writeCifarBinary } from '../src/ml/data-synthetic.ts';
import { encodePng } from '../src/ml/images.ts';
import * as resnetTrain from '../functions/resnet-train/handler.ts';
import * as resnetInfer from '../functions/resnet-infer/handler.ts';

// Tiny sizes: a ResNet-50 at 1/32 width, 20 images, one epoch.
const root = mkdtempSync(join(tmpdir(), 'faasml-fn-resnet-'));
const modelsDir = join(root, 'models');
const dataRoot = join(root, 'data');
mkdirSync(dataRoot);
after(() => rmSync(root, { recursive: true, force: true }));

const env = { ...process.env, FAASML_RESNET_WIDTH: '0.03125', FAASML_MAX_BATCH: '4', FAASML_DATA_ROOTS: dataRoot };
const trainCtx = localContext('resnet-train', { modelsDir, env });
const inferCtx = localContext('resnet-infer', { modelsDir, env });

interface Reply {
  statusCode: number;
  body: Record<string, any>;
}

async function call(mod: FunctionModule, ctx: FunctionContext, body: unknown, raw?: string): Promise<Reply> {
  try {
    const event = buildEvent({ body: Buffer.from(raw ?? JSON.stringify(body)), headers: { 'content-type': 'application/json' }, method: 'POST' });
    const r = await mod.handle(event, ctx);
    return { statusCode: r.statusCode ?? 200, body: r.body as Record<string, any> };
  } catch (err) {
    const { statusCode, body } = errorResponse(err);
    return { statusCode, body: body as unknown as Record<string, any> };
  }
}

const sample = generateSynthetic({ images: 3, seed: 99 });
const px = 32 * 32 * 3;
const flat = (i: number): number[] => Array.from(sample.x.subarray(i * px, (i + 1) * px));
const nested = (i: number): number[][][] =>
  Array.from({ length: 32 }, (_, y) => Array.from({ length: 32 }, (_, x) => flat(i).slice((y * 32 + x) * 3, (y * 32 + x) * 3 + 3)));

describe('resnet-train and resnet-infer handlers', () => {
  it('infer answers 404 before any training', async () => {
    await resnetInfer.init(inferCtx);
    const r = await call(resnetInfer, inferCtx, { x: [flat(0)] });
    assert.equal(r.statusCode, 404);
  });

  it('trains on synthetic data and saves resnet@1', async () => {
    await resnetTrain.init(trainCtx);
    const r = await call(resnetTrain, trainCtx, { images: 20, epochs: 1, batchSize: 8, data: 'synthetic', seed: 3 });
    assert.equal(r.statusCode, 200, JSON.stringify(r.body));
    assert.equal(r.body.model, 'resnet@1');
    assert.equal(r.body.epochs, 1);
    assert.ok(r.body.imagesPerSecond > 0);
    assert.equal(r.body.history.loss.length, 1);
    assert.ok(r.body.valAccuracy >= 0 && r.body.valAccuracy <= 1);
    assert.ok(r.body.computeMs > 0);
  });

  it('classifies images given as arrays (flat and nested) and as base64 PNG', async () => {
    const a = await call(resnetInfer, inferCtx, { x: [flat(0), nested(0)] });
    assert.equal(a.statusCode, 200, JSON.stringify(a.body));
    assert.equal(a.body.model, 'resnet@1');
    assert.equal(a.body.predictions.length, 2);
    for (const p of a.body.predictions) {
      assert.equal(p.probabilities.length, 10);
      assert.ok(Math.abs(p.probabilities.reduce((s: number, v: number) => s + v, 0) - 1) < 1e-3);
      assert.equal(typeof p.class, 'string');
    }
    // Flat and nested forms of the same image give the same answer.
    assert.deepEqual(a.body.predictions[0], a.body.predictions[1]);
    const png = encodePng(sample.x.subarray(0, px)).toString('base64');
    const b = await call(resnetInfer, inferCtx, { model: 'resnet@1', images: [png, `data:image/png;base64,${png}`] });
    assert.equal(b.statusCode, 200, JSON.stringify(b.body));
    assert.equal(b.body.predictions[0].classIndex, b.body.predictions[1].classIndex);
  });

  it('infer: bad input answers 400/413/422/404', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ x: [flat(0).slice(1)] }, 422, /x\[0\]: expected 3072 numbers/],
      [{ x: [[...flat(0).slice(1), 'a']] }, 422, /x\[0\]\[3071\]: expected a number from 0 to 1/],
      [{ x: [flat(0).map((v) => v * 255 + 2)] }, 422, /expected a number from 0 to 1/],
      [{ x: [nested(0).slice(1)] }, 422, /x\[0\]: expected 3072 numbers/],
      [{ x: [[...nested(0).slice(1), [[1, 2]]]] }, 422, /x\[0\]\[31\]: expected 32 pixels/],
      [{ x: [flat(0)], images: ['abc'] }, 422, /exactly one of/],
      [{}, 422, /exactly one of/],
      [{ images: ['not base64 !!'] }, 422, /images\[0\]: expected a base64/],
      [{ images: [Buffer.from('hello').toString('base64')] }, 422, /images\[0\]: not a PNG or JPEG/],
      [{ images: [42] }, 422, /images\[0\]: expected a base64/],
      [{ x: Array.from({ length: 5 }, () => flat(0)) }, 413, /batch limit of 4/],
      [{ model: 'resnet@5', x: [flat(0)] }, 404, /resnet@5 not found/],
      [{ model: 'lr@latest', x: [flat(0)] }, 404, /not found/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(resnetInfer, inferCtx, body);
      assert.equal(r.statusCode, status, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, message);
    }
    assert.equal((await call(resnetInfer, inferCtx, undefined, '{"x": [')).statusCode, 400);
  });

  it('train: rejects bad options and data outside the allowed roots', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ images: 0 }, 422, /images: expected an integer from 10 to 50000/],
      [{ images: 60000 }, 422, /images/],
      [{ epochs: 0 }, 422, /epochs/],
      [{ stem: 'vgg' }, 422, /stem: expected one of imagenet, cifar/],
      [{ data: '/etc' }, 422, /outside the allowed data folders/],
      [{ data: '../../../../etc' }, 422, /outside|not found/],
      [{ data: 'no-such-set' }, 404, /not found/],
      [{ batchSize: 'x' }, 422, /batchSize/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(resnetTrain, trainCtx, body);
      assert.equal(r.statusCode, status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, message);
    }
  });

  it('trains from a CIFAR-10 folder inside an allowed root; @latest follows', async () => {
    writeCifarBinary(join(dataRoot, 'cifar-mini'), generateSynthetic({ images: 24, seed: 4 }), { batches: 1 });
    const r = await call(resnetTrain, trainCtx, { images: 12, batchSize: 6, data: 'cifar-mini', stem: 'cifar' });
    assert.equal(r.statusCode, 200, JSON.stringify(r.body));
    assert.equal(r.body.model, 'resnet@2');
    assert.match(r.body.data, /cifar10 cifar-mini/);
    const p = await call(resnetInfer, inferCtx, { x: [flat(1)] });
    assert.equal(p.body.model, 'resnet@2');
  });
});
