// A sweep: a preflight request, then one load level after another (threads in closed loop,
// request rates in open loop), with the sampler running alongside. Ctrl-C (an aborted signal)
// stops the load and still returns everything measured so far.
import { ValidationError, NotFoundError } from '../errors.js';
import { environmentInfo } from './environment.js';
import { makePool, sendOne } from './http.js';
import { newCounters, runClosedLevel, runOpenLevel, type LevelRun, type LiveCounters } from './loadgen.js';
import { parseDuration, parseLevels } from './parse.js';
import { Sampler } from './sampler.js';
import { summarizeLevel } from './stats.js';
import { resolveTarget, type TargetOptions } from './target.js';
import type { Arrival, LevelSummary, LoadMode, RequestRecord, RunResult, RunSettings } from './types.js';

export interface SweepOptions extends TargetOptions {
  /** Closed loop: thread counts per level (e.g. [1,2,4]). */
  threads?: number[] | string;
  /** Open loop: requests per second per level; given instead of threads. */
  rates?: number[] | string;
  arrival?: Arrival;
  /** Measured time per level ("20s" or ms as a number); default 10 s unless `iterations` is given. */
  duration?: string | number;
  /** Closed loop: measured requests per thread; open loop: measured requests per level. */
  iterations?: number;
  warmup?: string | number;
  rampUp?: string | number;
  thinkTime?: string | number;
  timeout?: string | number;
  /** Open loop: most requests in flight before new ones count as `not_sent` errors. */
  maxOutstanding?: number;
  /** Open loop: connections in the pool (closed loop uses one per thread). */
  connections?: number;
  /** Memory size (MB) used for the cost estimates. */
  memoryMb?: number;
  label?: string;
  /** Read the platform's metrics: default true for a function on the gateway, false for --url. */
  serverMetrics?: boolean;
  /** Skip the preflight request (tests that expect failures use this). */
  preflight?: boolean;
  signal?: AbortSignal;
}

export type SweepProgress =
  | { type: 'level-start'; mode: LoadMode; level: number; index: number; count: number; plannedMs: number | null }
  | { type: 'tick'; level: number; elapsedMs: number; counters: LiveCounters }
  | { type: 'level-end'; summary: LevelSummary }
  | { type: 'warning'; message: string };

/** A default label for a URL target: its last path segment, else its host. */
function labelFromUrl(url: string | undefined): string {
  try {
    const u = new URL(url ?? '');
    return u.pathname.split('/').filter(Boolean).pop() ?? u.hostname;
  } catch {
    return 'url';
  }
}

/** ms from a number of ms or a duration string. */
function ms(v: string | number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  return typeof v === 'number' ? (v >= 0 && Number.isFinite(v) ? v : parseDuration(String(v), what)) : parseDuration(v, what);
}

export function sweepSettings(opts: SweepOptions): RunSettings {
  if (opts.threads !== undefined && opts.rates !== undefined) throw new ValidationError('give either threads (closed loop) or rates (open loop), not both');
  const mode: LoadMode = opts.rates !== undefined ? 'open' : 'closed';
  const levels = mode === 'open' ? parseLevels(opts.rates, 'the rate list', false) : parseLevels(opts.threads ?? [1], 'the thread list', true);
  const iterations = opts.iterations ?? null;
  if (iterations !== null && (!Number.isInteger(iterations) || iterations <= 0)) throw new ValidationError(`iterations must be a positive whole number, got ${iterations}`);
  const durationMs = opts.duration !== undefined ? ms(opts.duration, 0, 'duration') : iterations !== null ? null : 10_000;
  if (durationMs !== null && durationMs <= 0) throw new ValidationError('duration must be longer than zero');
  const arrival = opts.arrival ?? 'constant';
  if (arrival !== 'constant' && arrival !== 'poisson') throw new ValidationError(`arrival must be constant or poisson, got "${arrival}"`);
  const maxOutstanding = opts.maxOutstanding ?? 10_000;
  if (!Number.isInteger(maxOutstanding) || maxOutstanding <= 0) throw new ValidationError('max outstanding must be a positive whole number');
  const memoryMb = opts.memoryMb ?? 1024;
  if (!(memoryMb > 0)) throw new ValidationError('memory must be a positive number of MB');
  return {
    label: opts.label ?? (opts.functionName || labelFromUrl(opts.url)),
    mode,
    levels,
    durationMs,
    iterations,
    warmupMs: ms(opts.warmup, 0, 'warm-up'),
    rampUpMs: ms(opts.rampUp, 0, 'ramp-up'),
    thinkTimeMs: ms(opts.thinkTime, 0, 'think time'),
    arrival,
    timeoutMs: ms(opts.timeout, 30_000, 'timeout') || 30_000,
    maxOutstanding,
    memoryMb,
    seed: opts.seed ?? 1,
  };
}

/** One request before the sweep: an unreachable target fails fast with a clear message. */
async function preflight(target: ReturnType<typeof resolveTarget>, timeoutMs: number, warnings: string[]): Promise<void> {
  const pool = makePool(target, 1);
  try {
    const r = await sendOne({ target, pool, body: target.bodyFor(0), timeoutMs, level: 0, thread: 0, activeThreads: 1 });
    if (r.status === 0) {
      const tls = r.errorKind === 'tls' ? ' (a TLS problem: check https, the certificate, or FAASML_INSECURE_TLS=1 for a self-signed one)' : '';
      throw new Error(`cannot reach ${target.info.url}: ${r.error}${tls}`);
    }
    if (r.status === 404 && target.info.functionName) {
      throw new NotFoundError(`function "${target.info.functionName}" is not deployed on ${target.gateway} (HTTP 404)`);
    }
    if (r.error) warnings.push(`preflight request answered ${r.error.slice(0, 200)}`);
  } finally {
    await pool.close();
  }
}

function runId(label: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${label.replace(/[^\w.-]+/g, '-')}-${stamp}`;
}

export async function runSweep(opts: SweepOptions, onProgress?: (p: SweepProgress) => void): Promise<RunResult> {
  const settings = sweepSettings(opts);
  const target = resolveTarget(opts);
  const warnings: string[] = [];
  const started = new Date();
  if (opts.preflight !== false) await preflight(target, Math.min(settings.timeoutMs, 10_000), warnings);

  const serverMetrics = opts.serverMetrics ?? target.gateway !== null;
  const sampler = new Sampler({ gateway: serverMetrics ? target.gateway ?? target.origin : null });
  const levels: LevelSummary[] = [];
  const requests: RequestRecord[] = [];
  let index = 1;
  const nextIndex = () => index++;
  const warn = (message: string) => {
    warnings.push(message);
    onProgress?.({ type: 'warning', message });
  };

  sampler.start();
  try {
    for (const [i, level] of settings.levels.entries()) {
      if (opts.signal?.aborted) break;
      sampler.setLevel(level);
      const plannedMs = settings.durationMs === null ? null : settings.warmupMs + settings.durationMs;
      onProgress?.({ type: 'level-start', mode: settings.mode, level, index: i, count: settings.levels.length, plannedMs });
      const connections = settings.mode === 'closed' ? level : opts.connections ?? Math.min(settings.maxOutstanding, 64);
      const pool = makePool(target, connections);
      const counters = newCounters();
      const levelStart = performance.now();
      const ticker = setInterval(() => onProgress?.({ type: 'tick', level, elapsedMs: performance.now() - levelStart, counters }), 250);
      const cpu0 = process.cpuUsage();
      const common = { target, pool, warmupMs: settings.warmupMs, durationMs: settings.durationMs, iterations: settings.iterations, timeoutMs: settings.timeoutMs, signal: opts.signal, nextIndex };
      let run: LevelRun;
      try {
        run =
          settings.mode === 'closed'
            ? await runClosedLevel({ ...common, threads: level, rampUpMs: settings.rampUpMs, thinkTimeMs: settings.thinkTimeMs }, counters)
            : await runOpenLevel({ ...common, rate: level, arrival: settings.arrival, maxOutstanding: settings.maxOutstanding, seed: settings.seed + i }, counters);
      } finally {
        clearInterval(ticker);
        await pool.close().catch(() => undefined);
      }
      const cpu = process.cpuUsage(cpu0);
      const wallSec = Math.max(1e-6, (performance.now() - levelStart) / 1000);
      const generatorCpu = (cpu.user + cpu.system) / 1e6 / wallSec;
      const measured = run.records.filter((r) => r.start >= run.measureStart).sort((a, b) => a.start - b.start);
      // A loop, not push(...spread): a level can hold more records than a call may take arguments.
      for (const r of measured) if (r.errorKind !== 'interrupted') requests.push(r);
      const samples = sampler.samples.filter((s) => s.level === level && s.t >= run.measureStart && s.t <= run.end + 250);
      const summary = summarizeLevel({ mode: settings.mode, level, records: measured, measureStart: run.measureStart, end: run.end, samples, generatorCpu, memoryMb: settings.memoryMb });
      if (summary.generatorSaturated) {
        warn(`level ${level}: the load generator used ${(generatorCpu * 100).toFixed(0)}% of a core: it may be the bottleneck, not the server`);
      }
      levels.push(summary);
      onProgress?.({ type: 'level-end', summary });
    }
  } finally {
    await sampler.stop();
  }
  if (sampler.sharesProcess) warnings.push('the gateway runs in the same process as the load generator: platform CPU includes the generator');
  const interrupted = opts.signal?.aborted ?? false;
  if (interrupted) warnings.push('interrupted: the run stopped early (Ctrl-C); the last level is partial');
  return {
    id: runId(settings.label, started),
    settings,
    target: target.info,
    environment: environmentInfo(),
    serverMetrics,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted,
    warnings,
    levels,
    requests,
    samples: sampler.samples,
  };
}
