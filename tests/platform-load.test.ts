// 1,000 requests mixing valid and malformed bodies (and a few unknown routes) leave the
// platform healthy, and /metrics counts them exactly: the sum over codes equals what was sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, counterBy, fixture, start } from './platform-helpers.js';

describe('mixed load', () => {
  let p: Awaited<ReturnType<typeof start>>;
  before(async () => {
    p = await start([fixture('echo', { labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '2' } })]);
  });
  after(() => p.cleanup());

  it('counts 1,000 mixed requests exactly and stays healthy', async () => {
    const total = 1000;
    const kinds = ['valid', 'malformed', 'not-object', 'too-large', 'valid'] as const;
    const expected: Record<string, number> = {};
    const send = async (i: number) => {
      const kind = kinds[i % kinds.length];
      const url = `${p.url}/function/echo`;
      let r;
      if (kind === 'valid') r = await call(url, { method: 'POST', body: JSON.stringify({ i }), headers: { 'content-type': 'application/json' } });
      else if (kind === 'malformed') r = await call(url, { method: 'POST', body: `{"i": ${i},`, headers: { 'content-type': 'application/json' } });
      else if (kind === 'not-object') r = await call(url, { method: 'POST', body: '[1,2]', headers: { 'content-type': 'application/json' } });
      else r = await call(url, { method: 'POST', body: Buffer.alloc(8 * 1024 * 1024 + 1) });
      expected[r.status] = (expected[r.status] ?? 0) + 1;
      if (kind === 'valid') assert.equal(r.json().body.i, i);
      return r.status;
    };
    let next = 0;
    const workers = Array.from({ length: 16 }, async () => {
      while (next < total) await send(next++);
    });
    await Promise.all(workers);
    assert.equal(expected[200], 400);
    assert.equal(expected[400], 400);
    assert.equal(expected[413], 200);
    const byCode = counterBy(await p.metricsText(), 'gateway_function_invocation_total', 'code');
    assert.deepEqual(byCode, { '200': 400, '400': 400, '413': 200 });
    assert.equal(Object.values(byCode).reduce((a, b) => a + b, 0), total);
    assert.equal((await call(`${p.url}/healthz`)).status, 200);
    const s = p.functionStatus('echo');
    assert.equal(s.inFlight, 0);
    assert.equal(s.queued, 0);
    assert.ok((s.availableReplicas as number) >= 1);
    assert.equal((await call(`${p.url}/function/echo`, { method: 'POST', body: '{"ok":1}', headers: { 'content-type': 'application/json' } })).status, 200);
  });

  it('serves lr-infer under mixed valid and invalid bodies with exact counts', async () => {
    const root = process.cwd();
    await p.deploy({ name: 'lr-train', handler: `${root}/functions/lr-train`, labels: { 'com.openfaas.scale.min': '0' } });
    await p.deploy({ name: 'lr-infer', handler: `${root}/functions/lr-infer`, labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '2' } });
    const trained = await call(`${p.url}/function/lr-train`, { method: 'POST', body: JSON.stringify({ epochs: 2, samples: 200 }), headers: { 'content-type': 'application/json' } });
    assert.equal(trained.status, 200, trained.text);
    const bodies = [JSON.stringify({ x: [[1, 2]] }), '{"x": [[1, 2]', JSON.stringify({ x: [[1, 'two']] }), JSON.stringify({ x: [[1, 2], [3, 4]] })];
    const expected: Record<string, number> = {};
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 200) {
          const b = bodies[next++ % bodies.length];
          const r = await call(`${p.url}/function/lr-infer`, { method: 'POST', body: b, headers: { 'content-type': 'application/json' } });
          expected[r.status] = (expected[r.status] ?? 0) + 1;
          if (r.status === 200) assert.ok(Array.isArray(r.json().predictions));
        }
      }),
    );
    assert.deepEqual(expected, { '200': 100, '400': 50, '422': 50 });
    const metrics = await p.metricsText();
    const lines = metrics.split('\n').filter((l) => l.startsWith('gateway_function_invocation_total{function_name="lr-infer"'));
    const byCode = counterBy(lines.join('\n'), 'gateway_function_invocation_total', 'code');
    assert.deepEqual(byCode, { '200': 100, '400': 50, '422': 50 });
    assert.equal(p.functionStatus('lr-infer').inFlight, 0);
  });
});
