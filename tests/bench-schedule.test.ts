import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDelayServer } from '../benchmarks/servers/delay-server.ts';
import { runSweep } from '../src/bench/index.ts';
import { summarizeLevel } from '../src/bench/stats.ts';

test('closed loop: threads start spread over the ramp-up, and think time paces each thread', async () => {
  const server = await startDelayServer({ delayMs: 0 });
  try {
    const run = await runSweep({ url: server.url, threads: [4], duration: '700ms', rampUp: '400ms', thinkTime: '50ms', serverMetrics: false });
    const firsts = [0, 1, 2, 3].map((t) => Math.min(...run.requests.filter((r) => r.thread === t).map((r) => r.start)));
    const t0 = firsts[0];
    for (let t = 1; t < 4; t++) {
      const offset = firsts[t] - t0;
      assert.ok(offset >= t * 100 - 5 && offset <= t * 100 + 60, `thread ${t} started at +${offset.toFixed(1)} ms`);
    }
    // Each thread waits 50 ms after every response: at most ~14 requests per thread in 700 ms.
    for (let t = 0; t < 4; t++) {
      const n = run.requests.filter((r) => r.thread === t).length;
      assert.ok(n >= 3 && n <= 15, `thread ${t} sent ${n}`);
    }
  } finally {
    await server.close();
  }
});

test('open loop: Poisson arrivals keep the mean rate with irregular gaps; constant ones are regular', async () => {
  const server = await startDelayServer({ delayMs: 0 });
  try {
    const gapsOf = (starts: number[]) => starts.slice(1).map((s, i) => s - starts[i]);
    const cv = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) / m;
    };
    const poisson = await runSweep({ url: server.url, rates: [200], duration: '1s', arrival: 'poisson', seed: 7, serverMetrics: false });
    const n = poisson.levels[0].requests;
    assert.ok(n >= 150 && n <= 250, `${n} requests at 200/s for 1 s`);
    const pg = gapsOf(poisson.requests.map((r) => r.start).sort((a, b) => a - b));
    assert.ok(cv(pg) > 0.6, `Poisson gap variation ${cv(pg)}`);
    const constant = await runSweep({ url: server.url, rates: [200], duration: '1s', serverMetrics: false });
    assert.ok(Math.abs(constant.levels[0].requests - 200) <= 2);
    const cg = gapsOf(constant.requests.map((r) => r.start).sort((a, b) => a - b));
    assert.ok(cv(cg) < 0.01, `constant gap variation ${cv(cg)}`);
  } finally {
    await server.close();
  }
});

test('a generator above 90% of a core is flagged as saturated', () => {
  const base = { mode: 'closed' as const, level: 1, records: [], measureStart: 0, end: 1000, samples: [], memoryMb: 1024 };
  assert.equal(summarizeLevel({ ...base, generatorCpu: 0.95 }).generatorSaturated, true);
  assert.equal(summarizeLevel({ ...base, generatorCpu: 0.5 }).generatorSaturated, false);
});
