// The second question: how throughput, response time and CPU use grow with concurrent
// invocations. A sweep is a closed-loop run (threads, like JMeter's thread groups) kept on disk
// under results/study/sweeps/<function>/<label>/ so later notebooks and `faasml figures` can read it back.
import { basename, dirname, join } from 'node:path';
import { defaultBody, loadRun, runSweep, writeRun, type RunResult, type SweepOptions } from '../bench/index.js';
import { fitLine, linearUntil, type SweepRun } from '../plot/index.js';
import { studyDir } from './store.js';

export interface ThreadSweep {
  /** Who was measured: 'faasml (warm-pool)', 'express (no FaaS)', 'azure', ... */
  label: string;
  functionName: string;
  dir: string;
  run: RunResult;
  /** Failed requests and generator warnings, in words (empty when the run was clean). */
  problems: string[];
}

function problemsOf(run: RunResult): string[] {
  const out = [...run.warnings];
  for (const l of run.levels) {
    if (l.errors > 0) out.push(`${l.level} threads: ${l.errors} of ${l.requests} requests failed (${l.errorExamples.join('; ')})`);
    if (l.generatorSaturated) out.push(`${l.level} threads: the load generator used ${(100 * l.generatorCpu).toFixed(0)} % of a core and may have limited the load`);
  }
  return out;
}

export function sweepDir(label: string, functionName: string): string {
  return join(studyDir(), 'sweeps', functionName, label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-|-$/g, ''));
}

/** Runs one sweep and stores it. `target` is a gateway (function by name) or a full URL. */
export async function threadSweep(
  opts: { label: string; functionName: string; gateway?: string; url?: string; headers?: Record<string, string>; body?: string; threads: number[]; durationSeconds: number; warmupSeconds: number },
  onLevel?: (threads: number) => void,
): Promise<ThreadSweep> {
  const sweep: SweepOptions = {
    label: opts.label,
    functionName: opts.functionName,
    gateway: opts.gateway,
    url: opts.url,
    headers: opts.headers,
    body: opts.body ?? (opts.url ? defaultBody(opts.functionName) : undefined),
    threads: opts.threads,
    duration: opts.durationSeconds * 1000,
    warmup: opts.warmupSeconds * 1000,
  };
  const run = await runSweep(sweep, (p) => {
    if (p.type === 'level-start') onLevel?.(p.level);
  });
  const dir = await writeRun(run, sweepDir(opts.label, opts.functionName));
  return { label: opts.label, functionName: opts.functionName, dir, run, problems: problemsOf(run) };
}

export async function loadSweep(label: string, functionName: string): Promise<ThreadSweep> {
  const dir = sweepDir(label, functionName);
  const run = await loadRun(dir);
  return { label, functionName, dir, run, problems: problemsOf(run) };
}

/** A stored sweep read back from its folder: who was measured comes from its run.json. */
export async function loadSweepDir(dir: string): Promise<ThreadSweep> {
  const run = await loadRun(dir);
  const functionName = run.target.functionName ?? basename(dirname(dir));
  return { label: run.settings.label, functionName, dir, run, problems: problemsOf(run) };
}

/** The per-level numbers the sweep figures plot (CPU as % of all cores, when the server was seen). */
export function toSweepRun(s: { label: string; run: RunResult }): SweepRun {
  return {
    label: s.label,
    levels: s.run.levels.map((l) => ({
      level: l.level,
      throughput: l.throughput,
      avgMs: l.latency.avg,
      p95Ms: l.latency.p95,
      cpuPercent: l.cpuPlatformAvg === null ? undefined : l.cpuPlatformAvg * 100,
    })),
  };
}

export interface GrowthRow {
  label: string;
  metric: string;
  slope: number;
  r2: number;
  linearUntil: number | undefined;
  first: number;
  last: number;
}

/** How each metric grows with threads: a fitted line, R², and where growth stops being linear. */
export function growth(runs: SweepRun[]): GrowthRow[] {
  const rows: GrowthRow[] = [];
  const metrics: [string, (l: SweepRun['levels'][number]) => number | undefined][] = [
    ['throughput (req/s)', (l) => l.throughput],
    ['average latency (ms)', (l) => l.avgMs],
    ['p95 latency (ms)', (l) => l.p95Ms],
    ['platform CPU (% of all cores)', (l) => l.cpuPercent],
  ];
  for (const r of runs) {
    const levels = [...r.levels].sort((a, b) => a.level - b.level);
    for (const [metric, value] of metrics) {
      const pts = levels.filter((l) => value(l) !== undefined && Number.isFinite(value(l)));
      if (pts.length < 2) continue;
      const x = pts.map((l) => l.level);
      const y = pts.map((l) => value(l) as number);
      const fit = fitLine(x, y);
      rows.push({ label: r.label, metric, slope: fit.slope, r2: fit.r2, linearUntil: x.length >= 3 ? linearUntil(x, y) : undefined, first: y[0], last: y[y.length - 1] });
    }
  }
  return rows;
}
