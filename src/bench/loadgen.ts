// The load generator for one level. Closed loop: N threads, each one request at a time, started
// spread over the ramp-up, with an optional think time (JMeter's thread group). Open loop: requests
// on a constant or Poisson schedule, each timed from its INTENDED send time (wrk2's rule), so a
// stalled server shows in the tail instead of silently slowing the generator down.
import type { Pool } from 'undici';
import { nowMs, sendOne } from './http.js';
import { exponential, makeRng } from './rng.js';
import type { Target } from './target.js';
import type { Arrival, RequestRecord } from './types.js';

export interface LevelOptions {
  target: Target;
  pool: Pool;
  /** Counted from the level's start; requests that start inside it are left out of results. */
  warmupMs: number;
  /** Measured time after the warm-up; null when `iterations` bounds the level instead. */
  durationMs: number | null;
  /** Closed loop: measured requests per thread; open loop: measured requests in all. */
  iterations: number | null;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Numbering for body templates ({{i}}), shared across levels. */
  nextIndex: () => number;
}

export interface ClosedLevelOptions extends LevelOptions {
  threads: number;
  rampUpMs: number;
  thinkTimeMs: number;
}

export interface OpenLevelOptions extends LevelOptions {
  rate: number;
  arrival: Arrival;
  maxOutstanding: number;
  seed: number;
}

/** Live counters the CLI's progress bar reads while a level runs. */
export interface LiveCounters {
  completed: number;
  errors: number;
  outstanding: number;
}

export interface LevelRun {
  records: RequestRecord[];
  /** Start of the measured window (ms since the epoch). */
  measureStart: number;
  /** End of the level (last response or the deadline). */
  end: number;
  counters: LiveCounters;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function newCounters(): LiveCounters {
  return { completed: 0, errors: 0, outstanding: 0 };
}

function count(counters: LiveCounters, r: RequestRecord): void {
  counters.completed++;
  if (r.error) counters.errors++;
}

export async function runClosedLevel(opts: ClosedLevelOptions, counters = newCounters()): Promise<LevelRun> {
  const records: RequestRecord[] = [];
  const t0 = nowMs();
  const measureStart = t0 + opts.warmupMs;
  const deadline = opts.durationMs === null ? Infinity : measureStart + opts.durationMs;
  let active = 0;

  const thread = async (id: number): Promise<void> => {
    await sleep((id * opts.rampUpMs) / opts.threads, opts.signal);
    active++;
    let measured = 0;
    while (!opts.signal?.aborted && nowMs() < deadline && (opts.iterations === null || measured < opts.iterations)) {
      counters.outstanding++;
      const r = await sendOne({
        target: opts.target,
        pool: opts.pool,
        body: opts.target.bodyFor(opts.nextIndex()),
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        level: opts.threads,
        thread: id,
        activeThreads: active,
      });
      counters.outstanding--;
      records.push(r);
      count(counters, r);
      if (r.start >= measureStart) measured++;
      if (opts.thinkTimeMs > 0) await sleep(opts.thinkTimeMs, opts.signal);
    }
    active--;
  };

  await Promise.all(Array.from({ length: opts.threads }, (_, i) => thread(i)));
  return { records, measureStart, end: lastEnd(records) || nowMs(), counters };
}

function lastEnd(records: RequestRecord[]): number {
  let m = 0;
  for (const r of records) if (r.end > m) m = r.end;
  return m;
}

export async function runOpenLevel(opts: OpenLevelOptions, counters = newCounters()): Promise<LevelRun> {
  const records: RequestRecord[] = [];
  const rng = makeRng(opts.seed);
  const meanGapMs = 1000 / opts.rate;
  const gap = () => (opts.arrival === 'poisson' ? exponential(rng, meanGapMs) : meanGapMs);
  const t0 = nowMs();
  const measureStart = t0 + opts.warmupMs;
  const deadline = opts.durationMs === null ? Infinity : measureStart + opts.durationMs;
  const inFlight = new Set<Promise<void>>();
  let measuredScheduled = 0;
  let next = t0;

  const dispatch = (intended: number) => {
    if (intended >= measureStart) measuredScheduled++;
    if (counters.outstanding >= opts.maxOutstanding) {
      // Could not be sent: counted as an error of the generator's overload, never dropped.
      const r: RequestRecord = {
        start: intended, sent: intended, end: intended, latencyMs: 0, firstByteMs: 0, status: 0, bytes: 0, sentBytes: 0,
        coldStart: null, instance: null, errorKind: 'not_sent',
        error: `not sent: ${counters.outstanding} requests outstanding (limit ${opts.maxOutstanding})`,
        level: opts.rate, thread: -1, activeThreads: counters.outstanding,
      };
      records.push(r);
      count(counters, r);
      return;
    }
    counters.outstanding++;
    const p = sendOne({
      target: opts.target,
      pool: opts.pool,
      body: opts.target.bodyFor(opts.nextIndex()),
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      intendedStart: intended,
      level: opts.rate,
      thread: -1,
      activeThreads: counters.outstanding,
    }).then((r) => {
      counters.outstanding--;
      records.push(r);
      count(counters, r);
      inFlight.delete(p);
    });
    inFlight.add(p);
  };

  const more = () => next < deadline && (opts.iterations === null || measuredScheduled < opts.iterations);
  while (!opts.signal?.aborted && more()) {
    const wait = next - nowMs();
    if (wait > 1) await sleep(wait - 0.5, opts.signal);
    else await new Promise<void>((r) => setImmediate(r));
    // Catch up on everything due: a late timer must not thin out the schedule.
    const now = nowMs();
    while (next <= now && more() && !opts.signal?.aborted) {
      dispatch(next);
      next += gap();
    }
  }
  await Promise.all(inFlight);
  return { records, measureStart, end: lastEnd(records) || nowMs(), counters };
}
