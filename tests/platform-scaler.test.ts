// The scaler: scale from zero (the request waits; cold-start header true, then false), scale
// out to max under concurrency, scale to zero after zero-duration idle, a client that leaves
// frees its slot (running or queued), and warm-pool mode handing out a pre-started process.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, fixture, start, waitFor } from './platform-helpers.js';

describe('scaler', () => {
  let p: Awaited<ReturnType<typeof start>>;
  before(async () => {
    p = await start([
      fixture('echo', { labels: { 'com.openfaas.scale.min': '0', 'com.openfaas.scale.zero-duration': '1s' } }),
      fixture('sleep', { labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '3', 'com.openfaas.scale.target': '1', 'com.faasml.scale.idle-duration': '1s' } }),
      { ...fixture('sleep'), name: 'single', labels: { 'com.openfaas.scale.max': '1' } },
    ]);
  });
  after(() => p.cleanup());

  it('scales from zero: the first request waits and is a cold start, the next is warm; then back to zero', async () => {
    assert.equal(p.functionStatus('echo').replicas, 0);
    const first = await call(`${p.url}/function/echo?log=hello`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-faasml-cold-start'), 'true');
    const second = await call(`${p.url}/function/echo`);
    assert.equal(second.headers.get('x-faasml-cold-start'), 'false');
    assert.equal(p.functionStatus('echo').coldStarts, 1);
    assert.match(await p.metricsText(), /faasml_cold_starts_total\{function_name="echo"\} 1/);
    // zero-duration 1s: the idle instance goes away.
    await waitFor(() => p.functionStatus('echo').replicas === 0, 10_000);
    // Its log line carries function, instance and call id.
    const log = readFileSync(join(p.stateDir, 'logs', 'echo.log'), 'utf8');
    const line = log.split('\n').find((l) => l.includes('echo log hello'))!;
    assert.ok(line.includes(` echo ${first.json().instance} ${first.headers.get('x-call-id')} `), line);
  });

  it('scales out to max under concurrency and back down after idle', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => call(`${p.url}/function/sleep?ms=700`)));
    assert.ok(results.every((r) => r.status === 200));
    const instances = new Set(results.map((r) => r.json().instance));
    assert.equal(instances.size, 3, 'six concurrent calls with target 1 spread over max 3 instances');
    assert.equal(p.functionStatus('sleep').replicas, 3);
    await waitFor(() => p.functionStatus('sleep').replicas === 1, 10_000);
  });

  it('a client that disconnects frees its slot, queued or running', async () => {
    const running = new AbortController();
    const queued = new AbortController();
    const a = fetch(`${p.url}/function/single?ms=3000`, { signal: running.signal }).catch(() => 'aborted');
    await waitFor(() => p.functionStatus('single').inFlight === 1);
    const b = fetch(`${p.url}/function/single?ms=3000`, { signal: queued.signal }).catch(() => 'aborted');
    await waitFor(() => p.functionStatus('single').queued === 1);
    queued.abort();
    await waitFor(() => p.functionStatus('single').queued === 0);
    running.abort();
    await waitFor(() => p.functionStatus('single').inFlight === 0);
    assert.equal(await a, 'aborted');
    assert.equal(await b, 'aborted');
    // The slot is free: a new call runs at once instead of waiting for the abandoned one.
    const started = Date.now();
    const r = await call(`${p.url}/function/single?ms=1`);
    assert.equal(r.status, 200);
    assert.ok(Date.now() - started < 2500, 'not queued behind the abandoned 3 s call');
  });
});

describe('warm-pool start mode', () => {
  let p: Awaited<ReturnType<typeof start>>;
  before(async () => {
    p = await start([fixture('echo', { labels: { 'com.openfaas.scale.min': '0' } })], { startMode: 'warm-pool', warmPoolSize: 1 });
  });
  after(() => p.cleanup());

  it('hands a pre-started process to a function scaling from zero and tops the pool up', async () => {
    await p.warmPoolSettled();
    const r = await call(`${p.url}/function/echo`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-faasml-cold-start'), 'true');
    const inst = (p.functionStatus('echo').instances as { warmPool: boolean }[])[0];
    assert.equal(inst.warmPool, true);
    await p.warmPoolSettled();
  });
});
