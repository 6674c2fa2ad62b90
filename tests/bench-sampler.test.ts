import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { test } from 'node:test';
import { runSweep } from '../src/bench/index.ts';
import { collectPids } from '../src/bench/sampler.ts';
import { parsePrometheus, sumOf } from '../src/bench/prometheus.ts';

/** A stand-in for the platform's gateway: a function route, /metrics and /system endpoints. */
async function fakeGateway(pids: number[], gatewayPid?: number) {
  const t0 = performance.now();
  let calls = 0;
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    req.resume();
    if (url.startsWith('/function/echo')) {
      calls++;
      res.writeHead(200, { 'x-faasml-cold-start': calls === 1 ? 'true' : 'false', 'x-faasml-instance': `echo-${calls % 2}` });
      res.end('{"ok":true}');
    } else if (url === '/metrics') {
      // One core busy, as counters: the sampler's metrics fallback turns it into a share of all cores.
      const busy = (performance.now() - t0) / 1000;
      res.end(
        [
          '# TYPE faasml_instances gauge',
          'faasml_instances{function_name="echo",state="ready"} 2',
          'faasml_instances{function_name="echo",state="starting"} 1',
          'faasml_queue_depth{function_name="echo"} 4',
          `faasml_instance_cpu_seconds_total{function_name="echo",instance="echo-0"} ${busy}`,
          'process_cpu_seconds_total 1.5',
          'process_resident_memory_bytes 1048576',
          'faasml_instance_rss_bytes{function_name="echo",instance="echo-0"} 2097152',
        ].join('\n'),
      );
    } else if (url === '/system/functions') {
      res.end(JSON.stringify([{ name: 'echo', instances: pids.map((pid, i) => ({ id: `echo-${i}`, pid })) }]));
    } else if (url === '/system/info') {
      res.end(JSON.stringify({ provider: { name: 'faasml' }, ...(gatewayPid ? { pid: gatewayPid } : {}) }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

test('prometheus text and pid discovery', () => {
  const s = parsePrometheus('# HELP x\nfaasml_queue_depth{function_name="a"} 2\nfaasml_queue_depth{function_name="b",x="q\\"uote"} 3\nup 1\n');
  assert.equal(sumOf(s, 'faasml_queue_depth'), 5);
  assert.equal(s[1].labels.x, 'q"uote');
  assert.deepEqual([...collectPids({ pid: 10, functions: [{ instances: [{ pid: 11 }, { gatewayPid: 12 }] }], pids: [13] })].sort(), [10, 11, 12, 13]);
});

test('samples read instance pids from /system/functions and /proc: CPU of a busy instance shows', async () => {
  const burner = spawn(process.execPath, ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}'], { stdio: 'ignore' });
  const gw = await fakeGateway([burner.pid!], process.pid);
  try {
    const run = await runSweep({ functionName: 'echo', gateway: gw.url, threads: [1], duration: '1s', thinkTime: '20ms' });
    assert.equal(run.serverMetrics, true);
    const samples = run.samples.filter((s) => s.level === 1);
    assert.ok(samples.length >= 3, `${samples.length} samples`);
    const last = samples[samples.length - 1];
    assert.equal(last.cpuSource, 'proc', JSON.stringify(samples.map((s) => s.cpuSource)));
    assert.equal(last.instances, 3);
    assert.deepEqual(last.instancesByState, { ready: 2, starting: 1 });
    assert.equal(last.queueDepth, 4);
    assert.ok(last.rssBytes! > 1e6, `rss ${last.rssBytes}`);
    const [l] = run.levels;
    // One busy process out of all cores, on a shared machine: well above idle, at most its one core.
    // (the gateway pid here is the test process itself, which runs the generator too)
    assert.ok(l.cpuPlatformAvg! > 0.03 && l.cpuPlatformAvg! <= 1, `cpu ${l.cpuPlatformAvg}`);
    assert.ok(l.cpuMachineAvg! >= l.cpuPlatformAvg! - 0.1);
    assert.equal(l.instancesMax, 3);
    assert.equal(l.instancesSeen, 2);
    assert.ok(run.warnings.some((w) => /same process/.test(w)), 'the gateway pid is this process');
  } finally {
    burner.kill();
    await gw.close();
  }
});

test('without pids the sampler falls back to the metrics counters (gateway and instances)', async () => {
  const gw = await fakeGateway([]);
  try {
    const run = await runSweep({ functionName: 'echo', gateway: gw.url, threads: [1], duration: '1s', thinkTime: '20ms' });
    const samples = run.samples.filter((s) => s.cpuPlatform !== null);
    assert.ok(samples.length >= 2);
    assert.ok(samples.every((s) => s.cpuSource === 'metrics'));
    const share = run.levels[0].cpuPlatformAvg!;
    assert.ok(Math.abs(share - 1 / cpus().length) < 0.15, `cpu share ${share}`);
    assert.equal(run.levels[0].rssMaxBytes, 1048576 + 2097152);
  } finally {
    await gw.close();
  }
});

test('a remote target records the client view only', async () => {
  const gw = await fakeGateway([]);
  try {
    const run = await runSweep({ url: `${gw.url}/function/echo`, threads: [1], iterations: 3 });
    assert.equal(run.serverMetrics, false);
    assert.ok(run.samples.every((s) => s.cpuPlatform === null && s.instances === null && s.cpuSource === 'none'));
    assert.equal(run.levels[0].cpuPlatformAvg, null);
  } finally {
    await gw.close();
  }
});
