// Backend choice: auto picks tfjs-node when present else wasm, FAASML_BACKEND forces one,
// an unknown name is a clear error, concurrent calls share one initialisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { activeBackend, initBackend, tf } from '../src/ml/backend.js';
import { ValidationError } from '../src/errors.js';

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

test('activeBackend throws before initBackend was awaited', () => {
  const backendUrl = new URL('../src/ml/backend.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(backendUrl)}).then((m) => { try { m.activeBackend(); console.log('no error'); } catch (e) { console.log('error:', e.message); } });`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.match(child.stdout, /error: .*initBackend/);
});

test('auto picks wasm when tfjs-node is absent (tensorflow when present), concurrently', async () => {
  delete process.env.FAASML_BACKEND;
  const names = await Promise.all([initBackend(), initBackend(), initBackend()]);
  const expected = tfjsNodeInstalled() ? 'tensorflow' : 'wasm';
  assert.deepEqual(names, [expected, expected, expected]);
  assert.equal(activeBackend(), expected);
  assert.equal(tf().getBackend(), expected);
  // The engine answers with the same tfjs instance the rest of the project imports.
  const { add } = await import('@tensorflow/tfjs');
  assert.deepEqual(Array.from(add(tf().scalar(1), tf().scalar(2)).dataSync()), [3]);
});

test('FAASML_BACKEND=cpu forces cpu; an explicit argument wins over it', async () => {
  process.env.FAASML_BACKEND = 'cpu';
  try {
    assert.equal(await initBackend(), 'cpu');
    assert.equal(activeBackend(), 'cpu');
    assert.equal(tf().getBackend(), 'cpu');
    assert.equal(await initBackend('wasm'), 'wasm');
    assert.equal(tf().getBackend(), 'wasm');
  } finally {
    delete process.env.FAASML_BACKEND;
  }
});

test('an unknown backend name is a clear error', async () => {
  await assert.rejects(initBackend('gpu' as never), (err: unknown) => {
    assert.ok(err instanceof ValidationError);
    assert.match((err as Error).message, /unknown TensorFlow\.js backend 'gpu'.*tensorflow, wasm, cpu/);
    return true;
  });
  process.env.FAASML_BACKEND = 'webgl';
  try {
    await assert.rejects(initBackend(), /unknown TensorFlow\.js backend 'webgl' \(from FAASML_BACKEND\)/);
  } finally {
    delete process.env.FAASML_BACKEND;
  }
});

test('forcing tensorflow without tfjs-node installed fails clearly and leaves the last backend usable', { skip: tfjsNodeInstalled() }, async () => {
  await initBackend('wasm');
  await assert.rejects(initBackend('tensorflow'), /cannot use TensorFlow\.js backend 'tensorflow'/);
  assert.equal(await initBackend(), 'wasm');
  assert.equal(activeBackend(), 'wasm');
});
