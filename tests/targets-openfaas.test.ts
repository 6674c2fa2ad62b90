// The OpenFaaS adapter as a real HTTP server on 127.0.0.1 (express + body-parser, as the
// template's index.js runs it), and `faasml build openfaas`: the stack, the build contexts,
// and the template's index.js serving the built bundle in a child process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { createOpenFaasApp, openFaasContext, parseGoDuration, serveOpenFaas } from '../src/adapters/openfaas.ts';
import type { ServedFunction } from '../src/adapters/openfaas.ts';
import type { FunctionModule } from '../src/contract.ts';
import { ValidationError } from '../src/errors.ts';

const root = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'faasml-openfaas-'));
const modelsDir = join(work, 'models');
const servers: ServedFunction[] = [];
const children: ChildProcess[] = [];

before(() => {
  process.env.FAASML_MODELS = modelsDir;
});
after(async () => {
  for (const s of servers) await s.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

async function post(url: string, body: string, contentType = 'application/json') {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function serve(mod: FunctionModule, env: Record<string, string> = {}): Promise<ServedFunction> {
  const app = createOpenFaasApp(mod, openFaasContext('probe', { ...process.env, ...env }));
  const served = await new Promise<ServedFunction>((ok) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      ok({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }) });
    });
  });
  servers.push(served);
  return served;
}

describe('OpenFaaS adapter over HTTP', () => {
  let train: ServedFunction;
  let infer: ServedFunction;
  before(async () => {
    train = await serveOpenFaas(join(root, 'functions', 'lr-train', 'handler.ts'), 0);
    infer = await serveOpenFaas(join(root, 'functions', 'lr-infer', 'handler.ts'), 0);
    servers.push(train, infer);
  });

  it('lr-train then lr-infer answer 200', async () => {
    const t = await post(train.url, JSON.stringify({ samples: 200, epochs: 3, seed: 3 }));
    assert.equal(t.status, 200, JSON.stringify(t.json));
    const r = await post(`${infer.url}/`, JSON.stringify({ model: t.json.model, x: [[1, 2], [2, 1]] }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.predictions.length, 2);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(r.headers.get('x-powered-by'), null);
    assert.equal(t.headers.get('x-faasml-cold-start'), 'true');
    assert.equal(r.headers.get('x-faasml-cold-start'), 'true');
    const again = await post(infer.url, JSON.stringify({ model: t.json.model, x: [[0, 0]] }));
    assert.equal(again.headers.get('x-faasml-cold-start'), 'false');
    assert.match(again.headers.get('x-faasml-instance') ?? '', /^lr-infer-/);
  });

  it('malformed JSON is 400, a wrong shape 422, an unknown model 404, with the shared error body', async () => {
    const bad = await post(infer.url, '{"x": [[1,');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'malformed JSON body');
    const shape = await post(infer.url, JSON.stringify({ x: [[1, 2, 3]] }));
    assert.equal(shape.status, 422);
    assert.equal(typeof shape.json.error, 'string');
    const missing = await post(infer.url, JSON.stringify({ model: 'nothing@latest', x: [[1, 2]] }));
    assert.equal(missing.status, 404);
    for (const r of [bad, shape, missing]) {
      for (const key of Object.keys(r.json)) assert.ok(['error', 'detail'].includes(key));
    }
  });

  it('passes path, query and method; exec_timeout gives the deadline; bodies over the limit are 413', async () => {
    const echo: FunctionModule = {
      handle: (e, ctx) => ({ body: { path: e.path, query: e.query, method: e.method, remaining: ctx.remainingTimeMs(), text: e.rawBody.toString() } }),
    };
    const s = await serve(echo, { exec_timeout: '2s', FAASML_MAX_BODY_BYTES: '64' });
    const r = await fetch(`${s.url}/sub/path?a=1&b=two`, { method: 'PUT', body: 'hello' });
    const json = (await r.json()) as { path: string; query: object; method: string; remaining: number; text: string };
    assert.equal(r.status, 200);
    assert.equal(json.path, '/sub/path');
    assert.deepEqual(json.query, { a: '1', b: 'two' });
    assert.equal(json.method, 'PUT');
    assert.equal(json.text, 'hello');
    assert.ok(json.remaining > 1000 && json.remaining <= 2000, String(json.remaining));
    const big = await post(s.url, JSON.stringify({ pad: 'x'.repeat(200) }));
    assert.equal(big.status, 413);
    assert.equal(typeof big.json.error, 'string');
  });

  it('ready_path answers 503 until init succeeds, then 200', async () => {
    let attempts = 0;
    const slow: FunctionModule = {
      init: () => {
        attempts++;
        if (attempts === 1) throw new Error('not yet');
      },
      handle: () => ({ body: { ok: true } }),
    };
    const s = await serve(slow, { ready_path: '/_faasml/ready' });
    // The first, eager init fails; the probe retries it.
    await new Promise((r) => setTimeout(r, 20));
    const ready = await fetch(`${s.url}/_faasml/ready`);
    assert.equal(ready.status, 200);
    assert.equal(attempts, 2);
  });

  it('parses Go durations as of-watchdog does', () => {
    assert.equal(parseGoDuration('10s'), 10_000);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('500ms'), 500);
    assert.equal(parseGoDuration('0'), 0);
    assert.throws(() => parseGoDuration('ten seconds'), ValidationError);
  });
});

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
    s.once('error', fail);
  });
}

describe('faasml build openfaas', () => {
  it('writes the stack, template, handler folders and shrinkwrapped contexts; the template serves the bundle', async () => {
    const { buildOpenFaas } = await import('../src/targets/openfaas.ts');
    const out = join(work, 'build', 'openfaas');
    const r = await buildOpenFaas({ out, functions: 'lr-infer' });
    const stack = parse(readFileSync(r.stackFile, 'utf8'));
    assert.equal(stack.provider.name, 'openfaas');
    assert.equal(stack.provider.gateway, 'http://127.0.0.1:8080');
    assert.deepEqual(Object.keys(stack.functions), ['lr-infer']);
    const fn = stack.functions['lr-infer'];
    assert.equal(fn.lang, 'faasml-node20');
    assert.equal(fn.handler, './functions/lr-infer');
    assert.equal(fn.environment.FAASML_FUNCTION, 'lr-infer');
    assert.ok(fn.labels['com.openfaas.scale.max']);
    assert.ok(!Object.keys(stack).some((k) => k.startsWith('x-')));
    for (const f of ['template/faasml-node20/Dockerfile', 'template/faasml-node20/template.yml', 'functions/lr-infer/handler.js']) {
      assert.ok(existsSync(join(out, f)), `missing ${f}`);
    }
    const context = r.contexts['lr-infer'];
    for (const f of ['Dockerfile', 'index.js', 'package.json', 'function/handler.js', 'function/package.json']) {
      assert.ok(existsSync(join(context, f)), `missing build/lr-infer/${f}`);
    }
    const pkg = JSON.parse(readFileSync(join(context, 'package.json'), 'utf8'));
    assert.equal(pkg.dependencies.express, JSON.parse(readFileSync(join(root, 'node_modules/express/package.json'), 'utf8')).version);

    // What the image would run: `node index.js` on http_port, its packages in the context's
    // node_modules (npm's in the image, a link to the project's here).
    symlinkSync(join(root, 'node_modules'), join(context, 'node_modules'), 'dir');
    const port = await freePort();
    const child = spawn(process.execPath, ['index.js'], {
      cwd: context,
      env: { PATH: process.env.PATH, http_port: String(port), FAASML_MODELS: modelsDir, FAASML_BACKEND: 'wasm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await new Promise<void>((ok, fail) => {
      child.stdout!.on('data', (d) => String(d).includes('listening') && ok());
      child.once('exit', (code) => fail(new Error(`index.js exited with ${code}: ${stderr}`)));
    });
    const missing = await post(`http://127.0.0.1:${port}`, JSON.stringify({ model: 'nothing@latest', x: [[1, 2]] }));
    assert.equal(missing.status, 404, JSON.stringify(missing.json));
    const bad = await post(`http://127.0.0.1:${port}`, '{');
    assert.equal(bad.status, 400);
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    await exited;
  });

  it('--models bakes a model store into the function folder and points FAASML_MODELS at it', async () => {
    const { buildOpenFaas } = await import('../src/targets/openfaas.ts');
    const store = join(work, 'store');
    mkdirSync(join(store, 'lr', '1'), { recursive: true });
    writeFileSync(join(store, 'lr', '1', 'model.json'), '{}');
    const out = join(work, 'build', 'with-models');
    const r = await buildOpenFaas({ out, functions: ['lr-infer'], models: store });
    assert.ok(existsSync(join(r.contexts['lr-infer'], 'function', 'models', 'lr', '1', 'model.json')));
    const stack = parse(readFileSync(r.stackFile, 'utf8'));
    assert.equal(stack.functions['lr-infer'].environment.FAASML_MODELS, '/home/app/function/models');
    await assert.rejects(buildOpenFaas({ out, functions: ['lr-infer'], models: join(work, 'nope') }), /--models .* does not exist/);
  });

  it('deploy without faas-cli prints the commands and fails clearly', async () => {
    const { deployOpenFaas } = await import('../src/targets/openfaas.ts');
    const out = join(work, 'build', 'openfaas');
    const dry = await deployOpenFaas({ dir: out, gateway: 'http://127.0.0.1:8080', dryRun: true });
    assert.deepEqual(dry.commands, [`(cd ${out} && faas-cli up -f stack.yml --gateway http://127.0.0.1:8080)`]);
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      await assert.rejects(deployOpenFaas({ dir: out }), /faas-cli is not installed[\s\S]*faas-cli up -f stack.yml/);
    } finally {
      process.env.PATH = path;
    }
    await assert.rejects(deployOpenFaas({ dir: join(work, 'none') }), /no OpenFaaS build at/);
  });
});
