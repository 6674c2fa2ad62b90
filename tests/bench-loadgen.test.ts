import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startDelayServer } from '../benchmarks/servers/delay-server.ts';
import { loadRun, runSweep, writeRun, JTL_HEADER, parseJtl } from '../src/bench/index.ts';
import { latencyStats } from '../src/bench/stats.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

test('closed loop: exact counts per thread, p50 near the server delay, warm-up left out', async () => {
  const server = await startDelayServer({ delayMs: 5 });
  try {
    const run = await runSweep({ url: `${server.url}/x`, threads: [1, 3], iterations: 15, warmup: '100ms', serverMetrics: false });
    assert.equal(run.levels.length, 2);
    const [one, three] = run.levels;
    assert.equal(one.requests, 15);
    assert.equal(three.requests, 45);
    assert.equal(one.errors + three.errors, 0);
    // Warm-up requests were sent but are not in the results.
    assert.ok(server.requests > 60, `server saw ${server.requests}`);
    assert.equal(run.requests.length, 60);
    assert.deepEqual(new Set(run.requests.filter((r) => r.level === 3).map((r) => r.thread)), new Set([0, 1, 2]));
    // Sanity band only (a shared machine): the client never sees less than the delay, nor wildly more.
    // Accuracy against the server's own times is measured by benchmarks/loadgen-accuracy.ts.
    const truth = median(server.durations);
    assert.ok(one.latency.p50 >= 5 && one.latency.p50 <= Math.max(truth, 5) + 20, `p50 ${one.latency.p50} vs server ${truth}`);
    assert.ok(one.latency.min <= one.latency.p50 && one.latency.p50 <= one.latency.p99 && one.latency.p99 <= one.latency.max);
    assert.ok(one.throughput > 0 && one.throughput < 1000 / 5 + 1);
    assert.equal(one.instancesSeen, 1);
    assert.equal(one.coldStarts + three.coldStarts, 0, 'the cold first request was in the warm-up');
    assert.equal(typeof one.generatorSaturated, 'boolean');
  } finally {
    await server.close();
  }
});

test('open loop: a one-off stall shows in the tail because latency counts from the intended send time', async () => {
  const server = await startDelayServer({ delayMs: 1, stallAtRequest: 20, stallMs: 600 });
  try {
    const run = await runSweep({ url: server.url, rates: [50], duration: '1.5s', serverMetrics: false });
    const [l] = run.levels;
    assert.equal(l.mode, 'open');
    assert.ok(Math.abs(l.requests - 75) <= 3, `scheduled ${l.requests}`);
    assert.equal(l.errors, 0);
    assert.ok(l.latency.max >= 500, `max ${l.latency.max}`);
    assert.ok(l.latency.p99 >= 300, `p99 ${l.latency.p99}`);
    // Every request scheduled during the stall waited for it, not just the one that hit it.
    const stalled = run.requests.filter((r) => r.latencyMs > 200).length;
    assert.ok(stalled >= 10, `${stalled} requests saw the stall`);
    assert.ok(l.latency.p50 < 100, `p50 ${l.latency.p50}`);
  } finally {
    await server.close();
  }
});

test('open loop: requests over the outstanding cap are counted as not sent', async () => {
  const server = await startDelayServer({ delayMs: 300 });
  try {
    const run = await runSweep({ url: server.url, rates: [100], duration: '500ms', maxOutstanding: 5, serverMetrics: false });
    const [l] = run.levels;
    assert.ok(l.notSent > 20, `not sent ${l.notSent}`);
    assert.equal(l.errorsByKind.not_sent, l.notSent);
    assert.ok(run.requests.some((r) => /not sent: 5 requests outstanding \(limit 5\)/.test(r.error)));
  } finally {
    await server.close();
  }
});

test('non-2xx and connection refused are errors with their text; preflight fails fast', async () => {
  const server = await startDelayServer({ delayMs: 0, body: 'overloaded' });
  const refusedUrl = `http://127.0.0.1:${server.port}/`;
  try {
    const run = await runSweep({ url: `${server.url}/?status=503`, threads: [2], iterations: 5, serverMetrics: false });
    const [l] = run.levels;
    assert.equal(l.requests, 10);
    assert.equal(l.errors, 10);
    assert.equal(l.errorPct, 100);
    assert.deepEqual(l.errorsByKind, { http_503: 10 });
    assert.equal(run.requests[0].error, 'HTTP 503: overloaded');
  } finally {
    await server.close();
  }
  const refused = await runSweep({ url: refusedUrl, threads: [1], iterations: 3, preflight: false, serverMetrics: false });
  assert.equal(refused.levels[0].errorsByKind.refused, 3);
  assert.match(refused.requests[0].error, /connection refused/);
  await assert.rejects(runSweep({ url: refusedUrl, threads: [1], iterations: 3 }), /cannot reach http:\/\/127\.0\.0\.1:\d+\/: connection refused/);
});

test('https to a plain-HTTP server fails fast and says TLS', async () => {
  const server = await startDelayServer({ delayMs: 0 });
  try {
    await assert.rejects(runSweep({ url: `https://127.0.0.1:${server.port}/`, threads: [1], iterations: 1 }), /cannot reach .*TLS/);
    const run = await runSweep({ url: `https://127.0.0.1:${server.port}/`, threads: [1], iterations: 2, preflight: false, serverMetrics: false });
    assert.equal(run.levels[0].errorsByKind.tls, 2);
  } finally {
    await server.close();
  }
});

test('a run directory: JTL CSV parses with JMeter columns, JSON lines and summary read back', async () => {
  const server = await startDelayServer({ delayMs: 1 });
  const dir = await mkdtemp(join(tmpdir(), 'faasml-bench-'));
  try {
    const run = await runSweep({ url: `${server.url}/p`, threads: [2], iterations: 10, label: 'jtl,test', body: '{"i": {{i}}}', serverMetrics: false });
    await writeRun(run, dir);
    const text = await readFile(join(dir, 'requests.jtl.csv'), 'utf8');
    assert.equal(text.split('\n')[0], JTL_HEADER.join(','));
    const rows = parseJtl(text);
    assert.equal(rows.length, 20);
    for (const row of rows) {
      assert.equal(row.responseCode, '200');
      assert.equal(row.success, 'true');
      assert.equal(row.label, 'jtl,test threads=2');
      assert.ok(Number(row.timeStamp) > 1.6e12, `timeStamp ${row.timeStamp}`);
      assert.ok(Number.isInteger(Number(row.elapsed)) && Number(row.elapsed) >= 0, `elapsed ${row.elapsed}`);
      assert.equal(row.URL, `${server.url}/p`);
      assert.ok(Number(row.sentBytes) >= Buffer.byteLength('{"i": 1}'), `sentBytes ${row.sentBytes}`);
      assert.equal(row.bytes, '2');
    }
    const back = await loadRun(dir);
    assert.deepEqual(back.levels, run.levels);
    assert.equal(back.requests.length, 20);
    assert.deepEqual(back.settings, run.settings);
    const summary = await readFile(join(dir, 'summary.md'), 'utf8');
    assert.match(summary, /\| level \| requests \| req\/s/);
    assert.match(summary, /AWS Lambda/);
    await assert.rejects(loadRun(join(dir, 'missing')), /not a run directory/);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('percentiles from the histogram match a known distribution', () => {
  const xs = Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000 ms
  const s = latencyStats(xs);
  assert.equal(s.min, 1);
  assert.equal(s.max, 1000);
  assert.ok(Math.abs(s.avg - 500.5) < 1e-9);
  assert.ok(Math.abs(s.p50 - 500) <= 1, `p50 ${s.p50}`);
  assert.ok(Math.abs(s.p99 - 990) <= 1, `p99 ${s.p99}`);
});

test('a level with more requests than a function call takes arguments keeps every record', { timeout: 120_000 }, async () => {
  const server = await startDelayServer({ delayMs: 0 });
  try {
    // 16 threads × 9,000 = 144,000 records: more than fit in one push(...spread) call.
    const run = await runSweep({ url: `${server.url}/x`, threads: [16], iterations: 9000, serverMetrics: false });
    assert.equal(run.levels[0].requests, 144_000);
    assert.equal(run.requests.length, 144_000);
  } finally {
    await server.close();
  }
});
