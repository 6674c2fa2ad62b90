import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildEvent, type FunctionContext, type FunctionModule } from '../src/contract.ts';
import { errorResponse } from '../src/errors.ts';
import { localContext } from '../src/local-context.ts';
import * as lrTrain from '../functions/lr-train/handler.ts';
import * as lrInfer from '../functions/lr-infer/handler.ts';

const modelsDir = mkdtempSync(join(tmpdir(), 'faasml-fn-lr-'));
after(() => rmSync(modelsDir, { recursive: true, force: true }));

interface Reply {
  statusCode: number;
  body: Record<string, any>;
}

async function call(mod: FunctionModule, ctx: FunctionContext, body: unknown, raw?: string): Promise<Reply> {
  try {
    const bytes = Buffer.from(raw ?? JSON.stringify(body));
    const event = buildEvent({ body: bytes, headers: { 'content-type': 'application/json' }, method: 'POST' });
    const r = await mod.handle(event, ctx);
    return { statusCode: r.statusCode ?? 200, body: r.body as Record<string, any> };
  } catch (err) {
    const { statusCode, body } = errorResponse(err);
    return { statusCode, body: body as unknown as Record<string, any> };
  }
}

const trainCtx = localContext('lr-train', { modelsDir });
const inferCtx = localContext('lr-infer', { modelsDir, env: { FAASML_MAX_BATCH: '8' } });

describe('lr-train and lr-infer handlers', () => {
  it('infer: init succeeds without a model, requests answer 404', async () => {
    await lrInfer.init(inferCtx);
    const r = await call(lrInfer, inferCtx, { x: [[1, 2]] });
    assert.equal(r.statusCode, 404);
    assert.match(r.body.error, /model 'lr' not found/);
  });

  it('train: fits the default formula and saves lr@1', async () => {
    await lrTrain.init(trainCtx);
    const r = await call(lrTrain, trainCtx, { samples: 2000, epochs: 15, seed: 1 });
    assert.equal(r.statusCode, 200, JSON.stringify(r.body));
    assert.equal(r.body.model, 'lr@1');
    assert.deepEqual(r.body.variables, ['x1', 'x2']);
    for (const c of r.body.coefficients) assert.ok(Math.abs(c.fitted - c.true) < 0.02, JSON.stringify(c));
    assert.ok(r.body.r2Test > 0.999);
    assert.ok(r.body.computeMs > 0 && r.body.trainSeconds > 0);
    assert.equal(r.body.epochs, 15);
  });

  it('infer: predicts rows of raw inputs', async () => {
    const r = await call(lrInfer, inferCtx, { model: 'lr@latest', x: [[1, 2], [3, 4], [0, 0]] });
    assert.equal(r.statusCode, 200, JSON.stringify(r.body));
    assert.equal(r.body.model, 'lr@1');
    const expected = [0, 2, 1];
    r.body.predictions.forEach((p: number, i: number) => assert.ok(Math.abs(p - expected[i]) < 0.05, `${p} vs ${expected[i]}`));
    assert.ok(r.body.computeMs >= 0);
    assert.equal((await call(lrInfer, inferCtx, { x: [[1, 2]] })).body.model, 'lr@1');
  });

  it('infer: bad input answers 400/413/422/404 with the field named', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ x: [[1, 2], [1, 2, 3]] }, 422, /^x\[1\]: expected 2 numbers \(x1, x2\), got 3$/],
      [{ x: [[1, 'a']] }, 422, /x\[0\]\[1\]: expected a finite number/],
      [{ x: [[1, null]] }, 422, /x\[0\]\[1\]: expected a finite number, got null/],
      [{ x: [1, 2] }, 422, /x\[0\]: expected 2 numbers/],
      [{ x: [[[1], [2]]] }, 422, /x\[0\]\[0\]: expected a finite number, got an array/],
      [{ x: 'abc' }, 422, /x: expected an array/],
      [{ x: [] }, 422, /empty/],
      [{}, 422, /x: expected an array/],
      [{ x: Array.from({ length: 9 }, () => [1, 2]) }, 413, /batch limit of 8/],
      [{ model: 'lr@7', x: [[1, 2]] }, 404, /lr@7 not found/],
      [{ model: 'nope', x: [[1, 2]] }, 404, /not found/],
      [{ model: '../../etc/passwd', x: [[1, 2]] }, 422, /not a model reference/],
      [{ model: 42, x: [[1, 2]] }, 422, /model: expected a string/],
      [[1, 2], 400, /JSON object/],
    ];
    for (const [body, status, message] of cases) {
      const r = await call(lrInfer, inferCtx, body);
      assert.equal(r.statusCode, status, `${JSON.stringify(body).slice(0, 60)} → ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, message);
    }
    const inf = await call(lrInfer, inferCtx, undefined, '{"x": [[1e400, 2]]}');
    assert.equal(inf.statusCode, 422);
    const malformed = await call(lrInfer, inferCtx, undefined, '{"x": [[1, 2]');
    assert.equal(malformed.statusCode, 400);
  });

  it('train: bad input answers 422 (formula position, ranges)', async () => {
    const cases: [unknown, RegExp][] = [
      [{ formula: 'y = 3**x' }, /column 7/],
      [{ formula: 'process.exit()' }, /formula: unexpected '\.' at column 8/],
      [{ formula: 'x1 = 2' }, /no feature terms/],
      [{ formula: 42 }, /formula: expected a string/],
      [{ samples: 0 }, /samples: expected an integer from 10 to 1000000/],
      [{ samples: 1e7 }, /samples/],
      [{ epochs: 5000 }, /epochs/],
      [{ epochs: '5' }, /epochs: expected an integer/],
      [{ learningRate: -1 }, /learningRate/],
      [{ name: '../x' }, /model name/],
    ];
    for (const [body, message] of cases) {
      const r = await call(lrTrain, trainCtx, body);
      assert.equal(r.statusCode, 422, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, message);
    }
    assert.equal((await call(lrTrain, trainCtx, undefined, '{"samples": ')).statusCode, 400);
  });

  it('@latest follows a new training with another formula', async () => {
    const t = await call(lrTrain, trainCtx, { formula: 'y = 2*a + 0.5*a^2 - 1', samples: 1000, epochs: 10 });
    assert.equal(t.body.model, 'lr@2');
    const r = await call(lrInfer, inferCtx, { x: [[1], [2]] });
    assert.equal(r.statusCode, 200, JSON.stringify(r.body));
    assert.equal(r.body.model, 'lr@2');
    assert.ok(Math.abs(r.body.predictions[0] - 1.5) < 0.05 && Math.abs(r.body.predictions[1] - 5) < 0.1, String(r.body.predictions));
    const wrong = await call(lrInfer, inferCtx, { x: [[1, 2]] });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body.error, /x\[0\]: expected 1 number \(a\), got 2/);
    // The old version still answers by number.
    assert.equal((await call(lrInfer, inferCtx, { model: 'lr@1', x: [[1, 2]] })).body.model, 'lr@1');
  });
});
