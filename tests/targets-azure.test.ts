// The Azure Functions app as Microsoft documents unit tests for the v4 model: HttpRequest and
// InvocationContext objects handed to the registered handlers. Then `faasml build azure`: the
// folder, its zip, and the built bundle answering from its own node_modules in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import azureFunctions from '@azure/functions';
import type { HttpHandler, HttpResponseInit } from '@azure/functions';
import type { FunctionContext, FunctionEvent, FunctionModule } from '../src/contract.ts';
import { NotFoundError, ValidationError } from '../src/errors.ts';
import { parseFunctionTimeout } from '../src/adapters/azure.ts';

const { HttpRequest, InvocationContext } = azureFunctions;
const root = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'faasml-azure-'));
const modelsDir = join(work, 'models');

let handlers: Record<string, HttpHandler>;
let registerFunctions: typeof import('../functions/azure/src/register.ts').registerFunctions;

before(async () => {
  // Read once when the app registers its functions, as on a Functions worker.
  process.env.FAASML_MODELS = modelsDir;
  process.env.AzureWebJobsScriptRoot = join(root, 'functions', 'azure');
  ({ registerFunctions } = await import('../functions/azure/src/register.ts'));
  ({ handlers } = await import('../functions/azure/src/index.ts'));
});
after(() => {
  delete process.env.AzureWebJobsScriptRoot;
  rmSync(work, { recursive: true, force: true });
});

function request(name: string, body: string | undefined, opts: { method?: string; contentType?: string; query?: string } = {}) {
  return new HttpRequest({
    method: opts.method ?? 'POST',
    url: `http://localhost:7071/api/${name}${opts.query ?? ''}`,
    body: body === undefined ? undefined : { string: body },
    headers: { 'content-type': opts.contentType ?? 'application/json' },
  });
}

async function call(name: string, body: string | undefined, opts: Parameters<typeof request>[2] = {}) {
  const res: HttpResponseInit = await handlers[name](request(name, body, opts), new InvocationContext({ functionName: name, invocationId: `test-${name}` }));
  const text = Buffer.from(res.body as Uint8Array).toString('utf8');
  const headers = res.headers as Record<string, string>;
  return { status: res.status ?? 200, headers, json: text ? JSON.parse(text) : undefined };
}

function assertErrorBody(json: unknown): void {
  assert.ok(json && typeof json === 'object');
  assert.equal(typeof (json as { error: unknown }).error, 'string');
  for (const key of Object.keys(json as object)) assert.ok(['error', 'detail'].includes(key), `unexpected key ${key}`);
}

describe('Azure Functions app: registered handlers', () => {
  it('registers the four workloads', () => {
    assert.deepEqual(Object.keys(handlers).sort(), ['lr-infer', 'lr-train', 'resnet-infer', 'resnet-train']);
  });

  it('lr-train then lr-infer answer 200 with a model and predictions', async () => {
    const trained = await call('lr-train', JSON.stringify({ samples: 200, epochs: 3, seed: 7 }));
    assert.equal(trained.status, 200, JSON.stringify(trained.json));
    assert.match(trained.headers['content-type'], /application\/json/);
    assert.match(trained.json.model, /^lr@/);
    assert.ok(existsSync(modelsDir));

    const inferred = await call('lr-infer', JSON.stringify({ x: [[1, 2], [3, 4], [0, 0]] }));
    assert.equal(inferred.status, 200, JSON.stringify(inferred.json));
    assert.equal(inferred.json.model, trained.json.model);
    assert.equal(inferred.json.predictions.length, 3);
    for (const p of inferred.json.predictions) assert.ok(Number.isFinite(p));
    assert.equal(inferred.headers['x-invocation-id'], 'test-lr-infer');
  });

  it('malformed JSON is 400 with the shared error body', async () => {
    const r = await call('lr-infer', '{"x": [[1, 2]');
    assert.equal(r.status, 400);
    assertErrorBody(r.json);
    assert.equal(r.json.error, 'malformed JSON body');
  });

  it('a wrong shape is 422', async () => {
    const r = await call('lr-infer', JSON.stringify({ x: [[1, 2, 3]] }));
    assert.equal(r.status, 422);
    assertErrorBody(r.json);
    const r2 = await call('lr-infer', JSON.stringify({ x: [['a', 2]] }));
    assert.equal(r2.status, 422);
  });

  it('an unknown model is 404', async () => {
    const r = await call('lr-infer', JSON.stringify({ model: 'no-such-model@latest', x: [[1, 2]] }));
    assert.equal(r.status, 404);
    assertErrorBody(r.json);
  });
});

describe('Azure Functions app: resnet-infer', () => {
  it('answers 400 for malformed JSON, 422 for a wrong image and 404 for an unknown model', async () => {
    const bad = await call('resnet-infer', '{"x": ');
    assert.equal(bad.status, 400);
    assertErrorBody(bad.json);
    const shape = await call('resnet-infer', JSON.stringify({ model: 'no-such-resnet@latest', x: [[1, 2, 3]] }));
    assert.ok([404, 422].includes(shape.status), String(shape.status));
    const missing = await call('resnet-infer', JSON.stringify({ model: 'no-such-resnet@latest', x: [new Array(3072).fill(0.5)] }));
    assert.equal(missing.status, 404);
    assertErrorBody(missing.json);
  });
});

describe('Azure adapter', () => {
  it('passes method, query, headers and invocation data; init runs once; the deadline comes from host.json', async () => {
    let inits = 0;
    const probe: FunctionModule = {
      init: async () => {
        inits++;
        await new Promise((r) => setTimeout(r, 20));
      },
      handle: (event: FunctionEvent, ctx: FunctionContext) => ({
        statusCode: 201,
        body: { method: event.method, query: event.query, body: event.body, name: ctx.functionName, remaining: ctx.remainingTimeMs() },
      }),
    };
    const { probe: handler } = registerFunctions({ probe });
    const ictx = new InvocationContext({ functionName: 'probe', invocationId: 'inv-1' });
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        handler(new HttpRequest({ method: 'POST', url: `http://localhost/api/probe?i=${i}`, body: { string: `{"n":${i}}` }, headers: { 'content-type': 'application/json' } }), ictx),
      ),
    );
    assert.equal(inits, 1);
    const json = JSON.parse(Buffer.from(results[2].body as Uint8Array).toString());
    assert.equal(results[2].status, 201);
    assert.deepEqual(json.query, { i: '3' });
    assert.deepEqual(json.body, { n: 3 });
    assert.equal(json.method, 'POST');
    assert.equal(json.name, 'probe');
    // functions/azure/host.json says 00:10:00.
    assert.ok(json.remaining > 9 * 60_000 && json.remaining <= 10 * 60_000, String(json.remaining));
  });

  it('a failed init answers 500 without a stack and is retried by the next request', async () => {
    let attempts = 0;
    const flaky: FunctionModule = {
      init: () => {
        attempts++;
        if (attempts === 1) throw new Error('model store unreachable');
      },
      handle: () => ({ body: { ok: true } }),
    };
    const { flaky: handler } = registerFunctions({ flaky });
    const ictx = new InvocationContext({ functionName: 'flaky' });
    const first = await handler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/flaky' }), ictx);
    assert.equal(first.status, 500);
    const text = Buffer.from(first.body as Uint8Array).toString();
    assert.doesNotMatch(text, /\n\s+at /);
    const second = await handler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/flaky' }), ictx);
    assert.equal(second.status, 200);
  });

  it('typed errors thrown by a handler map to their statuses', async () => {
    const thrower: FunctionModule = {
      handle: (e) => {
        if (e.query.kind === 'missing') throw new NotFoundError('no such model', { model: 'x' });
        throw new ValidationError('bad shape');
      },
    };
    const { thrower: handler } = registerFunctions({ thrower });
    const ictx = new InvocationContext({ functionName: 'thrower' });
    const nf = await handler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/thrower?kind=missing' }), ictx);
    assert.equal(nf.status, 404);
    assert.deepEqual(JSON.parse(Buffer.from(nf.body as Uint8Array).toString()), { error: 'no such model', detail: { model: 'x' } });
    const bad = await handler(new HttpRequest({ method: 'GET', url: 'http://localhost/api/thrower' }), ictx);
    assert.equal(bad.status, 422);
  });

  it('parses functionTimeout', () => {
    assert.equal(parseFunctionTimeout('00:05:00'), 300_000);
    assert.equal(parseFunctionTimeout('01:00:30'), 3_630_000);
    assert.equal(parseFunctionTimeout('-1'), Infinity);
    assert.throws(() => parseFunctionTimeout('5 minutes'), ValidationError);
  });
});

describe('faasml build azure', () => {
  it('writes host.json, package.json, the bundled entry, wasm binaries and a valid zip; the bundle serves on its own', async () => {
    const { buildAzure } = await import('../src/targets/azure.ts');
    const { readZipDirectory, readZipEntry } = await import('../src/targets/zip.ts');
    const out = join(work, 'build', 'azure');
    const r = await buildAzure({ out, functions: 'lr-infer' });
    assert.deepEqual(r.functions, ['lr-infer']);
    for (const f of ['host.json', 'package.json', 'dist/index.cjs', 'dist/tfjs-backend-wasm.wasm', 'node_modules/@azure/functions/package.json']) {
      assert.ok(r.files.includes(f), `missing ${f}`);
    }
    const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'));
    assert.equal(pkg.main, 'dist/index.cjs');
    assert.ok(pkg.dependencies['@azure/functions']);
    assert.equal(JSON.parse(readFileSync(join(out, 'host.json'), 'utf8')).extensionBundle.id, 'Microsoft.Azure.Functions.ExtensionBundle');

    assert.equal(r.zipPath, join(work, 'build', 'azure.zip'));
    const zip = readFileSync(r.zipPath!);
    const listed = readZipDirectory(zip).map((e) => e.name);
    assert.deepEqual([...listed].sort(), [...r.files].sort());
    assert.deepEqual(readZipEntry(zip, 'host.json'), readFileSync(join(out, 'host.json')));
    assert.deepEqual(readZipEntry(zip, 'dist/index.cjs'), readFileSync(join(out, 'dist/index.cjs')));

    // The built app, loaded by plain node from the build folder (no project node_modules on
    // its path), answers like the source: an unknown model is a 404.
    const script = `
      const { HttpRequest, InvocationContext } = require('@azure/functions');
      const { handlers } = require('./dist/index.cjs');
      const req = new HttpRequest({ method: 'POST', url: 'http://localhost/api/lr-infer', body: { string: '{"model":"none@latest","x":[[1,2]]}' }, headers: { 'content-type': 'application/json' } });
      handlers['lr-infer'](req, new InvocationContext({ functionName: 'lr-infer' })).then((res) => {
        process.stdout.write(JSON.stringify({ status: res.status, body: Buffer.from(res.body).toString() }));
      });`;
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: out,
      env: { PATH: process.env.PATH, FAASML_MODELS: modelsDir, FAASML_BACKEND: 'wasm', AzureWebJobsScriptRoot: out },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    const res = JSON.parse(child.stdout);
    assert.equal(res.status, 404, res.body);
    assert.equal(typeof JSON.parse(res.body).error, 'string');
  });

  it('deploy prints the az zip deployment when no tool is installed', async () => {
    const { deployAzure } = await import('../src/targets/azure.ts');
    const dir = join(work, 'build', 'azure');
    const path = process.env.PATH;
    process.env.PATH = '';
    try {
      const dry = await deployAzure({ app: 'demo', resourceGroup: 'rg', dir, dryRun: true });
      assert.equal(dry.ran, false);
      assert.match(dry.commands.at(-1)!, /^az functionapp deployment source config-zip --name demo --resource-group rg --src .*azure\.zip$/);
      await assert.rejects(deployAzure({ app: 'demo', resourceGroup: 'rg', dir }), /az is not installed[\s\S]*config-zip/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('rejects an unknown function and an --out folder that is not a build', async () => {
    const { buildAzure } = await import('../src/targets/azure.ts');
    await assert.rejects(buildAzure({ out: join(work, 'x'), functions: 'lr-infer,cat-infer' }), /unknown function 'cat-infer'; known functions: lr-train/);
    await assert.rejects(buildAzure({ out: join(root, 'src'), functions: 'lr-infer' }), /is not an Azure build folder/);
  });
});
