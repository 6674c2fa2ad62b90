// Each limit, caused on purpose: exec_timeout → 504 and the instance replaced; memory → 502
// "memory limit exceeded"; a crash mid-request → 502 for that request only; max_inflight → 429;
// a full queue → 429. The limit's value is in every message.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, fixture, start, waitFor } from './platform-helpers.js';

describe('limits', () => {
  let p: Awaited<ReturnType<typeof start>>;
  before(async () => {
    p = await start([
      fixture('cpu-spin', { execTimeout: '1s', labels: { 'com.openfaas.scale.max': '1' } }),
      fixture('leak-memory', { limits: { memory: '160Mi' }, labels: { 'com.openfaas.scale.max': '1' } }),
      fixture('crash', { labels: { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2' } }),
      fixture('sleep', { maxInflight: 2, labels: { 'com.openfaas.scale.max': '1' } }),
      { ...fixture('echo'), name: 'pinned', limits: { cpu: '500m' } },
      fixture('bad-init'),
      { ...fixture('sleep'), name: 'queued', labels: { 'com.openfaas.scale.max': '1', 'com.faasml.queue.max': '2' } },
    ]);
  });
  after(() => p.cleanup());

  it('exec_timeout gives 504 and replaces the stuck instance', async () => {
    const before = p.functionStatus('cpu-spin').instances as { id: string }[];
    const r = await call(`${p.url}/function/cpu-spin?forever=1`);
    assert.equal(r.status, 504);
    assert.match(r.json().error, /exec_timeout of 1s/);
    await waitFor(() => (p.functionStatus('cpu-spin').availableReplicas as number) === 1);
    const now = p.functionStatus('cpu-spin').instances as { id: string }[];
    assert.notEqual(now[0].id, before[0].id);
    const ok = await call(`${p.url}/function/cpu-spin?ms=10`);
    assert.equal(ok.status, 200);
  });

  it('a memory limit kills the instance and the request gets 502', async () => {
    const r = await call(`${p.url}/function/leak-memory?mb=300&hold=3000`);
    assert.equal(r.status, 502);
    assert.match(r.json().error, /memory limit exceeded/);
    assert.match(r.json().error, /160Mi/);
    await waitFor(() => (p.functionStatus('leak-memory').availableReplicas as number) === 1);
    assert.equal((await call(`${p.url}/function/leak-memory?mb=1&hold=0`)).status, 200);
  });

  it('a crash fails only the request it hit; the next one is served by a new instance', async () => {
    const crashing = call(`${p.url}/function/crash?crash=1`);
    await waitFor(() => (p.functionStatus('crash').inFlight as number) === 1, 5000, 2);
    // Sent while the first instance is about to die: the other instance serves it.
    const other = await call(`${p.url}/function/crash`);
    assert.equal(other.status, 200);
    const crashed = await crashing;
    assert.equal(crashed.status, 502);
    assert.match(crashed.json().error, /instance crashed/);
    assert.notEqual(other.json().instance, crashed.json().detail.instance);
    const next = await call(`${p.url}/function/crash`);
    assert.equal(next.status, 200);
  });

  it('max_inflight gives 429 naming the limit', async () => {
    const held = [call(`${p.url}/function/sleep?ms=800`), call(`${p.url}/function/sleep?ms=800`)];
    await waitFor(() => (p.functionStatus('sleep').inFlight as number) === 2);
    const r = await call(`${p.url}/function/sleep?ms=1`);
    assert.equal(r.status, 429);
    assert.match(r.json().error, /max_inflight of 2/);
    for (const h of await Promise.all(held)) assert.equal(h.status, 200);
  });

  it('a full queue gives 429 naming the limit', async () => {
    // One instance, target 1: one request runs, two wait, the fourth is refused.
    const held = [1, 2, 3].map(() => call(`${p.url}/function/queued?ms=600`));
    await waitFor(() => (p.functionStatus('queued').queued as number) === 2);
    const r = await call(`${p.url}/function/queued?ms=1`);
    assert.equal(r.status, 429);
    assert.match(r.json().error, /queue .* is full \(limit 2\)/);
    for (const h of await Promise.all(held)) assert.equal(h.status, 200);
  });

  it('limits.cpu pins the instance to ceil(cpu) cores and is recorded', async () => {
    const s = p.functionStatus('pinned');
    assert.deepEqual(s.limits, { cpu: '500m' });
    await waitFor(() => (s.instances as { cores: string }[])[0].cores !== '' || (p.functionStatus('pinned').instances as { cores: string }[])[0].cores !== '');
    const cores = (p.functionStatus('pinned').instances as { cores: string; pid: number }[])[0];
    assert.match(cores.cores, /^\d+$/, 'one core');
    const { readFileSync } = await import('node:fs');
    const allowed = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${cores.pid}/status`, 'utf8'))![1];
    assert.equal(allowed, cores.cores);
  });

  it('a function whose init() throws answers 502 with the reason, without a restart loop', async () => {
    assert.equal(p.functionStatus('bad-init').availableReplicas, 0);
    const r = await call(`${p.url}/function/bad-init`);
    assert.equal(r.status, 502);
    assert.match(r.json().error, /failed to start/);
    assert.match(r.json().detail, /model weights missing/);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(p.functionStatus('bad-init').replicas, 0);
  });
});
