// How many requests per second can the generator drive from ONE core? A trivial server
// (delay-server with no delay) pinned to core 0; the generator pinned to core 1 (taskset -c 1),
// and wrk on the same core against the same server in the same run. Prints both and the ratio.
//   node --import tsx benchmarks/loadgen-throughput.ts [--seconds 5] [--connections 1,16,64] [--rounds 2]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readProcessStat, CLOCK_TICKS } from '../src/procfs.ts';
import { startDelayServerProcess } from './bench-util.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const seconds = Number(arg('seconds', '5'));
const connections = arg('connections', '1,16,64').split(',').map(Number);
// The machine may be shared: each side runs `rounds` times, alternating, and keeps its best.
const rounds = Number(arg('rounds', '2'));

interface Measured {
  rps: number;
  p50: number;
  generatorCpu: number;
}

if (process.argv.includes('--child')) {
  // The generator's side, run under taskset by the parent.
  const { runSweep } = await import('../src/bench/index.ts');
  const url = arg('url', '');
  const threads = Number(arg('threads', '1'));
  await runSweep({ url, threads: [threads], duration: '1s', serverMetrics: false, preflight: false }); // warm the JIT and sockets
  const run = await runSweep({ url, threads: [threads], duration: `${seconds}s`, serverMetrics: false, preflight: false });
  const l = run.levels[0];
  const out: Measured = { rps: l.throughput, p50: l.latency.p50, generatorCpu: l.generatorCpu };
  process.stdout.write(`${JSON.stringify({ ...out, errors: l.errors })}\n`);
  process.exit(0);
}

const here = fileURLToPath(import.meta.url);

function serverCpu(pid: number): number {
  return readProcessStat(pid)?.cpuTicks ?? 0;
}

function wrk(url: string, c: number): Measured | null {
  const r = spawnSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${c}`, `-d${seconds}s`, '--latency', `${url}/`], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const m = /^\s*50%\s+([\d.]+)(us|ms|s)/m.exec(r.stdout);
  const p50 = m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  return { rps, p50, generatorCpu: NaN };
}

function ours(url: string, c: number): Measured {
  const r = spawnSync('taskset', ['-c', '1', process.execPath, '--import', 'tsx', here, '--child', '--url', url, '--threads', String(c), '--seconds', String(seconds)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`generator failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured;
}

const { url, child } = await startDelayServerProcess(['--delay', '0'], '0');
try {
  console.log(`# trivial server on core 0, load from core 1, ${seconds} s per run, same server for both`);
  console.log(`${'conns'.padStart(5)}  ${'faasml req/s'.padStart(12)}  ${'wrk req/s'.padStart(10)}  ${'ratio'.padStart(6)}  ${'faasml p50'.padStart(10)}  ${'wrk p50'.padStart(8)}  ${'gen cpu'.padStart(7)}  ${'server cpu (ours/wrk)'}`);
  for (const c of connections) {
    let a: Measured | null = null;
    let b: Measured | null = null;
    let oursCpu = '';
    let wrkCpu = '';
    const share = (ticks: number, ms: number) => `${((100 * ticks) / CLOCK_TICKS / (ms / 1000)).toFixed(0)}%`;
    for (let r = 0; r < rounds; r++) {
      const s0 = serverCpu(child.pid!);
      const t0 = performance.now();
      const x = ours(url, c);
      const s1 = serverCpu(child.pid!);
      const t1 = performance.now();
      const y = wrk(url, c);
      const s2 = serverCpu(child.pid!);
      const t2 = performance.now();
      if (!a || x.rps > a.rps) [a, oursCpu] = [x, share(s1 - s0, t1 - t0)];
      if (y && (!b || y.rps > b.rps)) [b, wrkCpu] = [y, share(s2 - s1, t2 - t1)];
    }
    console.log(
      `${String(c).padStart(5)}  ${a!.rps.toFixed(0).padStart(12)}  ${(b ? b.rps.toFixed(0) : 'n/a').padStart(10)}  ${(b ? (a!.rps / b.rps).toFixed(2) : '-').padStart(6)}  ` +
        `${a!.p50.toFixed(3).padStart(10)}  ${(b ? b.p50.toFixed(3) : '-').padStart(8)}  ${`${(a!.generatorCpu * 100).toFixed(0)}%`.padStart(7)}  ${oursCpu}/${wrkCpu}`,
    );
  }
  console.log(`(best of ${rounds} alternating rounds; ratio = faasml / wrk; server cpu = the server process over each whole run, ours includes its 1 s warm-up and start)`);
} finally {
  child.kill('SIGTERM');
}
