// How true are the load generator's numbers? Against benchmarks/servers/delay-server.ts (its own
// process) with a fixed 5 ms delay, the generator's p50/p99 beside the server's own times (the
// truth; within 10% or 0.2 ms is the goal). Then, in open loop, a server that stalls once for 1 s:
// the stall must show in p99 as the schedule predicts, where a closed loop hides it.
//   node --import tsx benchmarks/loadgen-accuracy.ts [--seconds 5]
import { spawnSync, type ChildProcess } from 'node:child_process';
import { runSweep } from '../src/bench/index.ts';
import { startDelayServerProcess } from './bench-util.ts';
import { latencyStats } from '../src/bench/stats.ts';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;

async function serverTimes(url: string): Promise<number[]> {
  const res = await fetch(`${url}/__durations`);
  return ((await res.json()) as { durations: number[] }).durations;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/** wrk's p50/p99 (ms) with its --latency table, or null when wrk is not installed. */
function wrkLatency(url: string, connections: number, secs: number): { p50: number; p99: number } | null {
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${secs}s`, '--latency', `${url}/`], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const pick = (q: string) => {
    const m = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(r.stdout);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  return { p50: pick('50'), p99: pick('99') };
}

const row = (name: string, measured: number, expected: number) => {
  const diff = measured - expected;
  const ok = Math.abs(diff) <= Math.max(0.1 * expected, 0.2);
  return `${name.padEnd(26)} ${measured.toFixed(3).padStart(10)} ${expected.toFixed(3).padStart(10)} ${diff.toFixed(3).padStart(9)} ms ${(100 * diff / expected).toFixed(1).padStart(6)}%  ${ok ? 'within' : 'OUTSIDE'} 10%/0.2ms`;
};

console.log(`# closed loop, 1 and 4 threads, ${seconds} s, server delay 5 ms (server in its own process)`);
console.log('# truth = the server\'s own time per request; wrk on the same server shows the floor of client + loopback cost');
console.log(`${'metric'.padEnd(26)} ${'generator'.padStart(10)} ${'server'.padStart(10)} ${'diff'.padStart(12)}`);
{
  const { url, child } = await startDelayServerProcess(['--delay', '5']);
  try {
    for (const threads of [1, 4]) {
      await runSweep({ url, threads: [threads], duration: '1s', serverMetrics: false, preflight: false }); // warm
      await serverTimes(url);
      const run = await runSweep({ url, threads: [threads], duration: `${seconds}s`, serverMetrics: false, preflight: false });
      const truth = latencyStats(await serverTimes(url));
      const l = run.levels[0];
      console.log(row(`p50, ${threads} thread(s)`, l.latency.p50, truth.p50));
      console.log(row(`p99, ${threads} thread(s)`, l.latency.p99, truth.p99));
      console.log(row(`avg, ${threads} thread(s)`, l.latency.avg, truth.avg));
      console.log(`${''.padEnd(26)} requests ${l.requests}, ${l.throughput.toFixed(0)} req/s, generator CPU ${(l.generatorCpu * 100).toFixed(0)}% of a core`);
      const w = wrkLatency(url, threads, seconds);
      const wTruth = latencyStats(await serverTimes(url));
      if (w) {
        console.log(row(`wrk p50, ${threads} conn`, w.p50, wTruth.p50));
        console.log(row(`wrk p99, ${threads} conn`, w.p99, wTruth.p99));
      }
    }
  } finally {
    await stop(child);
  }
}

// Open loop at 100 req/s; the server stalls 1 s at its 200th request (about 2 s in).
const rate = 100;
const stallAt = 200;
const stallMs = 1000;
const delayMs = 5;
console.log(`\n# open loop ${rate} req/s for ${seconds} s, server stalls ${stallMs} ms once (at request ${stallAt}), delay ${delayMs} ms`);
{
  const { url, child } = await startDelayServerProcess(['--delay', String(delayMs), '--stall-at', String(stallAt), '--stall-ms', String(stallMs)]);
  try {
    const run = await runSweep({ url, rates: [rate], duration: `${seconds}s`, serverMetrics: false, preflight: false });
    const l = run.levels[0];
    // Expected from the schedule: request i is due at i/rate; those due during the stall wait for its end.
    const gap = 1000 / rate;
    const stallStart = (stallAt - 1) * gap;
    const expected = Array.from({ length: Math.round((seconds * 1000) / gap) }, (_, i) => {
      const t = i * gap;
      return (t >= stallStart && t < stallStart + stallMs ? stallStart + stallMs - t : 0) + delayMs;
    });
    const e = latencyStats(expected);
    const fromSend = latencyStats(run.requests.map((r) => r.end - r.sent));
    console.log(`${'metric'.padEnd(26)} ${'generator'.padStart(10)} ${'schedule'.padStart(10)}`);
    console.log(`${'p50'.padEnd(26)} ${l.latency.p50.toFixed(1).padStart(10)} ${e.p50.toFixed(1).padStart(10)}`);
    console.log(`${'p90'.padEnd(26)} ${l.latency.p90.toFixed(1).padStart(10)} ${e.p90.toFixed(1).padStart(10)}`);
    console.log(`${'p99'.padEnd(26)} ${l.latency.p99.toFixed(1).padStart(10)} ${e.p99.toFixed(1).padStart(10)}`);
    console.log(`${'max'.padEnd(26)} ${l.latency.max.toFixed(1).padStart(10)} ${e.max.toFixed(1).padStart(10)}`);
    console.log(`requests ${l.requests} (expected ${expected.length}), errors ${l.errors}; p99 counted from the actual send: ${fromSend.p99.toFixed(1)} ms`);
    console.log(`stall visible in p99: ${l.latency.p99 >= 0.8 * stallMs ? 'yes' : 'NO'}`);
  } finally {
    await stop(child);
  }
  // The same stall under a closed loop (1 thread): one slow request, and the tail hides it.
  const again = await startDelayServerProcess(['--delay', String(delayMs), '--stall-at', String(stallAt), '--stall-ms', String(stallMs)]);
  try {
    const run = await runSweep({ url: again.url, threads: [1], duration: `${seconds}s`, serverMetrics: false, preflight: false });
    const l = run.levels[0];
    console.log(`closed loop, 1 thread, same stall: p99 ${l.latency.p99.toFixed(1)} ms, max ${l.latency.max.toFixed(1)} ms (coordinated omission hides the stall from p99)`);
  } finally {
    await stop(again.child);
  }
}
