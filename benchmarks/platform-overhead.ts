// What the platform costs per request: lr-infer through `faasml up` against the same handler
// served directly by express + body-parser (benchmarks/servers/express-lr-infer.ts). Servers are
// pinned to core 0 with taskset, wrk to core 1; requests/s at 1 and 32 connections and p50.
//   node --import tsx benchmarks/platform-overhead.ts [--seconds 5]
// Two faasml layouts: "core 0" (gateway and instances all on core 0: the same CPU budget as
// express) and "instances free" (gateway on core 0, instances may run on either core).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildEvent } from '../src/contract.js';
import { pinned, stopChild, waitUntilOk, wrk, type WrkResult } from './bench-util.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, function: { type: 'string', default: 'lr-infer' } } });
const seconds = Number(values.seconds);
const dir = mkdtempSync(join(tmpdir(), 'faasml-overhead-'));
const models = join(dir, 'models');
const body = JSON.stringify({ x: [[1, 2]] });

// A model to serve: lr-train's handler, in this process.
const train = await import('../functions/lr-train/handler.js');
const log = { info: () => {}, warn: () => {}, error: () => {} };
const ctx = { functionName: 'lr-train', instanceId: 'bench', remainingTimeMs: () => Infinity, modelsDir: models, env: process.env, log };
await train.init?.(ctx);
await train.handle(buildEvent({ body: Buffer.from(JSON.stringify({ epochs: 5, samples: 1000 })), headers: { 'content-type': 'application/json' }, method: 'POST' }), ctx);

function stack(cpu: boolean): string {
  const file = join(dir, `stack-${cpu ? 'free' : 'core0'}.yml`);
  writeFileSync(
    file,
    `version: 1.0\nprovider: {name: faasml}\nfunctions:\n  lr-infer:\n    handler: ${resolve('functions/lr-infer')}\n    max_inflight: 16\n` +
      `    labels: {com.openfaas.scale.min: "2", com.openfaas.scale.max: "2", com.openfaas.scale.target: "1"}\n` +
      (cpu ? '    limits: {cpu: "1"}\n' : ''),
  );
  return file;
}

async function measure(label: string, start: () => ReturnType<typeof pinned>, url: string): Promise<Record<string, string | number>> {
  const child = start();
  try {
    await waitUntilOk(url, body);
    await wrk(url, body, 8, 2, '1', dir); // warm-up: JIT, model cache, keep-alive pools
    const one: WrkResult = await wrk(url, body, 1, seconds, '1', dir);
    const many: WrkResult = await wrk(url, body, 32, seconds, '1', dir);
    return { server: label, 'req/s c1': Math.round(one.rps), 'p50 ms c1': +one.p50ms.toFixed(3), 'req/s c32': Math.round(many.rps), 'p50 ms c32': +many.p50ms.toFixed(3), 'p99 ms c32': +many.p99ms.toFixed(3), errors: one.errors + many.errors };
  } finally {
    await stopChild(child);
  }
}

const rows = [];
rows.push(await measure('express + body-parser (core 0)', () => pinned('0', process.execPath, ['--import', 'tsx', 'benchmarks/servers/express-lr-infer.ts', '--port', '8181', '--models', models]), 'http://127.0.0.1:8181/'));
for (const free of [false, true]) {
  const state = join(dir, `state-${free}`);
  rows.push(
    await measure(
      free ? 'faasml up (gateway core 0, instances free)' : 'faasml up (all on core 0)',
      () => pinned('0', process.execPath, ['bin/faasml.js', 'up', '--port', '8182', '--state-dir', state, '-f', stack(free), '--start-mode', 'cold'], { FAASML_MODELS: models }),
      'http://127.0.0.1:8182/function/lr-infer',
    ),
  );
}
console.table(rows);
const base = rows[0];
for (const r of rows.slice(1)) {
  console.log(`${r.server}: ${(Number(r['req/s c32']) / Number(base['req/s c32'])).toFixed(2)}x express req/s at 32 connections (target >= 1.5x); p50 at 1 connection ${r['p50 ms c1']} ms vs ${base['p50 ms c1']} ms (target <=)`);
}
rmSync(dir, { recursive: true, force: true });
