import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initBackend, tf } from '../src/ml/backend.ts';
import { buildLinearModel } from '../src/ml/linreg.ts';
import { ModelStore, parseModelRef, type ModelMetadata } from '../src/ml/model-store.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'faasml-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
before(async () => {
  await initBackend();
});

const meta = (): Omit<ModelMetadata, 'name' | 'version' | 'createdAt'> => ({
  kind: 'linreg', architecture: 'dense 2→1', formula: 'y = x1 + x2', variables: ['x1', 'x2'], features: ['x1', 'x2'],
  metrics: { mseTest: 0.5 }, data: 'test', backend: 'cpu', trainSeconds: 0.1,
});

function predict(model: ReturnType<typeof buildLinearModel>): number[] {
  const t = tf();
  return t.tidy(() => Array.from((model.predict(t.tensor2d([[1, 2], [3, -4]])) as import('@tensorflow/tfjs').Tensor).dataSync()));
}

describe('model store', () => {
  it('parses references', () => {
    assert.deepEqual(parseModelRef('lr'), { name: 'lr', version: 'latest' });
    assert.deepEqual(parseModelRef('lr@latest'), { name: 'lr', version: 'latest' });
    assert.deepEqual(parseModelRef('lr@12'), { name: 'lr', version: 12 });
    for (const bad of ['', 'lr@', 'lr@0', 'lr@-1', '../etc', 'lr@1.5', 'a/b', '__proto__@1', 'lr@latest@2']) {
      assert.throws(() => parseModelRef(bad), ValidationError, bad);
    }
  });

  it('saves versions and loads them back with equal predictions', async () => {
    const store = new ModelStore(root);
    const m1 = buildLinearModel(2, 1);
    const m2 = buildLinearModel(2, 2);
    const i1 = await store.save('lr', m1, meta());
    const i2 = await store.save('lr', m2, meta());
    assert.equal(i1.ref, 'lr@1');
    assert.equal(i2.ref, 'lr@2');
    assert.ok(i1.sizeBytes > 0);
    const back = await store.load('lr@1');
    assert.deepEqual(predict(back.model), predict(m1));
    assert.equal(back.meta.version, 1);
    assert.equal(back.meta.formula, 'y = x1 + x2');
    const latest = await store.load('lr@latest');
    assert.deepEqual(predict(latest.model), predict(m2));
    assert.equal(store.resolve('lr').ref, 'lr@2');
    const files = readdirSync(i1.dir).sort();
    assert.deepEqual(files, ['group1-shard1of1.bin', 'metadata.json', 'model.json']);
    const mj = JSON.parse(readFileSync(join(i1.dir, 'model.json'), 'utf8'));
    assert.deepEqual(mj.weightsManifest[0].paths, ['group1-shard1of1.bin']);
    assert.ok(mj.modelTopology);
    [m1, m2, back.model, latest.model].forEach((m) => m.dispose());
  });

  it('answers 404 naming what exists', () => {
    const store = new ModelStore(root);
    assert.throws(() => store.resolve('lr@9'), (e: unknown) => e instanceof NotFoundError && /lr@9/.test(e.message) && /1, 2/.test(String(e.detail)));
    assert.throws(() => store.resolve('resnet@latest'), (e: unknown) => e instanceof NotFoundError && /lr/.test(String(e.detail)));
    assert.throws(() => new ModelStore(join(root, 'empty')).resolve('lr'), NotFoundError);
  });

  it('never shows a half-written version', async () => {
    const store = new ModelStore(root);
    // A crashed save leaves a temporary folder, or a number folder without metadata.
    mkdirSync(join(root, 'lr', '.tmp-999-crashed'), { recursive: true });
    writeFileSync(join(root, 'lr', '.tmp-999-crashed', 'model.json'), '{"half');
    mkdirSync(join(root, 'lr', '3'));
    writeFileSync(join(root, 'lr', '3', 'model.json'), '{"half');
    assert.deepEqual(store.list().map((i) => i.ref), ['lr@1', 'lr@2']);
    assert.equal(store.resolve('lr@latest').ref, 'lr@2');
    rmSync(join(root, 'lr', '3'), { recursive: true });
    assert.equal(store.sweep(0), 1);
    assert.ok(!existsSync(join(root, 'lr', '.tmp-999-crashed')));
  });

  it('concurrent saves get distinct versions', async () => {
    const store = new ModelStore(root);
    const models = Array.from({ length: 6 }, (_, i) => buildLinearModel(2, 10 + i));
    const infos = await Promise.all(models.map((m) => store.save('race', m, meta())));
    assert.deepEqual(infos.map((i) => i.version).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
    // Each version holds the model that claimed it.
    for (const [k, info] of infos.entries()) {
      const back = await store.load(info.ref);
      assert.deepEqual(predict(back.model), predict(models[k]));
      back.model.dispose();
    }
    models.forEach((m) => m.dispose());
    assert.ok(!readdirSync(join(root, 'race')).some((d) => d.startsWith('.tmp-')));
  });

  it('rejects bad names', async () => {
    const m = buildLinearModel(1);
    await assert.rejects(new ModelStore(root).save('../x', m, meta()), ValidationError);
    m.dispose();
  });
});
