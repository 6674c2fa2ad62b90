// The durable async queue behind POST /async-function/{name}: OpenFaaS's queue-worker, in process,
// on SQLite. `enqueue` commits the call before it returns (so the gateway's 202 is a promise kept
// across a kill -9); workers run due calls oldest first through the Invoker; 5xx, 429 and invoke
// errors are retried with exponential backoff and then dead-lettered; the result goes to the
// X-Callback-Url. Delivery is at least once: a receiver dedupes on X-Call-Id.
//
// Choices, where OpenFaaS's queue-worker leaves things open:
// - A callId already in the queue is ignored (the first request wins): a client resending with
//   its own X-Call-Id gets 202 again and the function runs once.
// - `workers` is global (default 2, the cores of a small machine); `perFunctionWorkers` caps one
//   function so a slow one cannot hold every worker.
// - 429 is retried like 5xx (a busy instance is transient), honouring Retry-After; other 4xx are
//   final. An invoke that throws maps through errorResponse: a typed 4xx (unknown function) is
//   final, anything else is a 500 and retried.
// - A call a crash cut short runs again and that attempt is not counted; a call the process died
//   under more than maxRetries + 1 times is dead (it is probably what kills the process).
// - A callback not yet answered when the process stops is sent again at the next start.
import { setMaxListeners } from 'node:events';
import { ValidationError } from '../errors.js';
import { deliverCallback } from './async-callback.js';
import { failureOutcome, header, resultOutcome } from './async-outcome.js';
import { AsyncStore, toRequest, toStatus, type AttemptOutcome, type CallRow } from './async-store.js';
import type { AsyncRequest, AsyncState, AsyncStatus, InvokeResult, Invoker } from './async-types.js';
import { nonNegativeInt, positiveInt, validateRequest } from './async-validate.js';

export type { AsyncRequest, AsyncState, AsyncStatus, InvokeResult, Invoker } from './async-types.js';

const STATES = new Set<AsyncState>(['queued', 'running', 'succeeded', 'failed', 'dead']);

export interface AsyncQueueOptions {
  /** The queue lives in `<stateDir>/queue.sqlite`. One queue (one process) per stateDir. */
  stateDir: string;
  invoke: Invoker;
  /** Calls running at once, over all functions (default 2). */
  workers?: number;
  /** Calls of one function running at once (default: `workers`), so one slow function cannot take every worker. */
  perFunctionWorkers?: number;
  /**
   * Retries after the first attempt on 5xx, 429 or an invoke error (default 3: 4 attempts in all);
   * also, plus one, how many crashes a call may be cut short by before it is dead.
   */
  maxRetries?: number;
  /** Wait before retry n is baseBackoffMs * 2^(n-1), plus up to 20% jitter (default 500). */
  baseBackoffMs?: number;
  /** Cap of one wait (default 60 000). */
  maxBackoffMs?: number;
  /** Per callback POST (default 10 000). */
  callbackTimeoutMs?: number;
  /** Callback POSTs at most (default 4); a failed callback never re-runs the function. */
  callbackAttempts?: number;
  /** Wait before the second callback POST, doubling (default: baseBackoffMs). */
  callbackBackoffMs?: number;
  /** How long stop() waits for running calls before putting them back in the queue (default 2000). */
  stopGraceMs?: number;
  /** Largest response body kept per call for GET /system/async (default 1 MiB). */
  maxStoredResultBytes?: number;
  /** Finished calls older than this are deleted, at start and hourly (default 7 days). */
  retentionMs?: number;
  /** SQLite `synchronous` (default NORMAL: survives a killed process; FULL: also a power cut). */
  synchronous?: 'NORMAL' | 'FULL';
  logger?: (msg: string) => void;
}

interface RunningCall {
  functionName: string;
  done: Promise<void>;
}

export class AsyncQueue {
  private readonly store: AsyncStore;
  private readonly invoke: Invoker;
  private readonly workers: number;
  private readonly perFunctionWorkers: number;
  private readonly maxRetries: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly callbackTimeoutMs: number;
  private readonly callbackAttempts: number;
  private readonly callbackBackoffMs: number;
  private readonly stopGraceMs: number;
  private readonly retentionMs: number;
  private readonly log: (msg: string) => void;

  private state: 'idle' | 'started' | 'stopping' | 'stopped' = 'idle';
  private readonly running = new Map<string, RunningCall>();
  /** Calls still running when stop()'s grace ran out: already back in the queue, their result is dropped. */
  private readonly abandoned = new Set<string>();
  private readonly callbacks = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private stopping: Promise<void> | undefined;

  constructor(opts: AsyncQueueOptions) {
    this.invoke = opts.invoke;
    this.workers = positiveInt(opts.workers, 2, 'workers');
    this.perFunctionWorkers = positiveInt(opts.perFunctionWorkers, this.workers, 'perFunctionWorkers');
    this.maxRetries = nonNegativeInt(opts.maxRetries, 3, 'maxRetries');
    this.baseBackoffMs = nonNegativeInt(opts.baseBackoffMs, 500, 'baseBackoffMs');
    this.maxBackoffMs = nonNegativeInt(opts.maxBackoffMs, 60_000, 'maxBackoffMs');
    this.callbackTimeoutMs = positiveInt(opts.callbackTimeoutMs, 10_000, 'callbackTimeoutMs');
    this.callbackAttempts = positiveInt(opts.callbackAttempts, 4, 'callbackAttempts');
    this.callbackBackoffMs = nonNegativeInt(opts.callbackBackoffMs, this.baseBackoffMs, 'callbackBackoffMs');
    this.stopGraceMs = nonNegativeInt(opts.stopGraceMs, 2000, 'stopGraceMs');
    this.retentionMs = nonNegativeInt(opts.retentionMs, 7 * 24 * 3600_000, 'retentionMs');
    this.log = opts.logger ?? (() => {});
    setMaxListeners(0, this.shutdown.signal); // every callback in flight listens for the stop
    this.store = new AsyncStore(opts.stateDir, {
      synchronous: opts.synchronous,
      maxStoredResultBytes: opts.maxStoredResultBytes,
    });
  }

  /** The SQLite file. */
  get dbPath(): string {
    return this.store.path;
  }

  /**
   * Accepts a call: the row is committed before this returns. A callId that is already in the
   * queue is ignored (the first request wins), so a client may safely resend with the same
   * X-Call-Id. Bad input throws ValidationError (422).
   */
  enqueue(req: AsyncRequest): void {
    this.assertOpen();
    validateRequest(req);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body ?? '');
    const inserted = this.store.insert({ ...req, body, query: req.query ?? {}, headers: req.headers ?? {} }, Date.now());
    if (!inserted) this.log(`async ${req.functionName} ${req.callId}: duplicate call id ignored`);
    this.schedulePump();
  }

  get(callId: string): AsyncStatus | undefined {
    this.assertOpen();
    const row = this.store.row(callId);
    return row && toStatus(row);
  }

  /** Newest first (default limit 100). */
  list(opts: { status?: AsyncState; functionName?: string; limit?: number } = {}): AsyncStatus[] {
    this.assertOpen();
    const limit = positiveInt(opts.limit, 100, 'limit');
    if (opts.status !== undefined && !STATES.has(opts.status)) {
      throw new ValidationError(`status must be one of ${[...STATES].join(', ')}`, { status: opts.status });
    }
    return this.store.rows({ ...opts, limit }).map(toStatus);
  }

  /** Calls that exhausted their retries (or kept killing the process), oldest first. */
  deadLetters(): AsyncStatus[] {
    this.assertOpen();
    return this.store.rows({ status: 'dead', oldestFirst: true }).map(toStatus);
  }

  /**
   * Runs a dead (or failed) call again with a fresh retry budget and a new callback; false when
   * no finished-unsuccessfully call has this id.
   */
  retry(callId: string): boolean {
    this.assertOpen();
    const requeued = this.store.requeueFinished(callId, Date.now());
    if (requeued) this.schedulePump();
    return requeued;
  }

  /** Deletes finished calls older than `olderThanMs` (default: retentionMs); returns how many. */
  prune(olderThanMs: number = this.retentionMs): number {
    this.assertOpen();
    return this.store.pruneFinished(Date.now() - olderThanMs);
  }

  /** Calls queued or running. */
  depth(functionName?: string): number {
    this.assertOpen();
    return this.store.depth(functionName);
  }

  /** Starts the workers. Calls a crash left 'running' run again; undelivered callbacks are sent. */
  start(): void {
    this.assertOpen();
    if (this.state !== 'idle') return;
    this.state = 'started';
    const { requeued, dead } = this.store.recoverRunning(Date.now(), this.maxRetries + 1);
    if (requeued || dead) this.log(`async queue: ${requeued} interrupted call(s) queued again, ${dead} dead`);
    for (const row of this.store.pendingCallbacks()) this.sendCallback(row, undefined);
    const pruned = this.prune();
    if (pruned) this.log(`async queue: ${pruned} call(s) older than the retention deleted`);
    this.pruneTimer = setInterval(() => this.store.isOpen && this.prune(), 3600_000);
    this.pruneTimer.unref();
    this.schedulePump();
  }

  /**
   * Takes no more work, waits up to stopGraceMs for running calls (those still running go back
   * to the queue for the next start), stops callback retries (they stay pending) and closes the DB.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    clearTimeout(this.timer);
    clearInterval(this.pruneTimer);
    if (this.running.size > 0) {
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, this.stopGraceMs)));
      await Promise.race([Promise.allSettled([...this.running.values()].map((c) => c.done)), grace]);
      clearTimeout(graceTimer);
    }
    for (const callId of this.running.keys()) {
      this.abandoned.add(callId);
      this.store.requeueInterrupted(callId, Date.now());
      this.log(`async queue: ${callId} still running at stop, queued again`);
    }
    this.shutdown.abort();
    await Promise.allSettled([...this.callbacks]);
    this.store.close();
    this.state = 'stopped';
  }

  private assertOpen(): void {
    if (this.state === 'stopped' || !this.store.isOpen) throw new Error('the async queue is stopped');
  }

  private schedulePump(): void {
    if (this.state !== 'started' || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Fills free workers with due calls, then sleeps until the next retry is due. */
  private pump(): void {
    if (this.state !== 'started') return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    while (this.running.size < this.workers) {
      const row = this.store.claimNext(now, this.busyFunctions());
      if (!row) break;
      this.run(row);
    }
    if (this.running.size >= this.workers) return; // a finishing call pumps again
    const next = this.store.nextDueAt(this.busyFunctions());
    if (next !== undefined && next > now) {
      this.timer = setTimeout(() => this.pump(), Math.min(next - now, 2 ** 31 - 1));
    }
  }

  private busyFunctions(): string[] {
    const counts = new Map<string, number>();
    for (const c of this.running.values()) counts.set(c.functionName, (counts.get(c.functionName) ?? 0) + 1);
    return [...counts].filter(([, n]) => n >= this.perFunctionWorkers).map(([name]) => name);
  }

  private run(row: CallRow): void {
    const callId = row.call_id;
    const started = performance.now();
    const done = (async () => {
      let result: InvokeResult | undefined;
      let failure: unknown;
      try {
        result = await this.invoke(toRequest(row));
      } catch (err) {
        failure = err;
      }
      if (this.abandoned.delete(callId) || !this.store.isOpen) return;
      this.settle(row, result, failure, (performance.now() - started) / 1000);
    })()
      .catch((err: unknown) => this.log(`async ${row.function_name} ${callId}: ${String(err)}`))
      .finally(() => {
        this.running.delete(callId);
        this.schedulePump();
      });
    this.running.set(callId, { functionName: row.function_name, done });
  }

  /** Records one attempt and decides: done, retry later, or dead letter. */
  private settle(row: CallRow, result: InvokeResult | undefined, failure: unknown, elapsed: number): void {
    const callId = row.call_id;
    const outcome = result ? resultOutcome(result, elapsed) : failureOutcome(failure, elapsed);
    const status = outcome.statusCode ?? 500;
    const transient = status >= 500 || status === 429;
    if (!transient) {
      const final = status < 400 ? 'succeeded' : 'failed';
      this.store.finish(callId, final, outcome, Date.now());
      this.log(`async ${row.function_name} ${callId}: ${final} (${status}) after ${row.attempts} attempt(s)`);
    } else if (row.attempts <= this.maxRetries) {
      const delay = this.backoffMs(row.attempts, result);
      this.store.retryLater(callId, outcome, Date.now() + delay);
      this.log(
        `async ${row.function_name} ${callId}: ${outcome.error ?? status}, retry ${row.attempts}/${this.maxRetries} in ${delay} ms`,
      );
      return;
    } else {
      this.store.finish(callId, 'dead', outcome, Date.now());
      this.log(`async ${row.function_name} ${callId}: dead after ${row.attempts} attempt(s): ${outcome.error ?? status}`);
    }
    if (row.callback_url) this.sendCallback(row, { outcome, body: outcome.body ?? Buffer.alloc(0) });
  }

  /** base * 2^(attempt-1) plus up to 20% jitter, at least what Retry-After asks, capped. */
  private backoffMs(attempt: number, result: InvokeResult | undefined): number {
    const nominal = this.baseBackoffMs * 2 ** (attempt - 1);
    let delay = nominal + Math.random() * 0.2 * nominal;
    const retryAfter = Number(result && header(result.headers, 'retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.max(delay, retryAfter * 1000);
    return Math.round(Math.min(delay, this.maxBackoffMs));
  }

  /**
   * POSTs the outcome to the callback URL in the background. `fresh` is the attempt just finished
   * (whole body); without it the stored row is redelivered after a restart (body maybe truncated).
   */
  private sendCallback(row: CallRow, fresh: { outcome: AttemptOutcome; body: Buffer } | undefined): void {
    const url = row.callback_url;
    if (!url) return;
    const stored = fresh ? undefined : this.store.row(row.call_id);
    const body = fresh ? fresh.body : (stored?.result ?? Buffer.alloc(0));
    const statusCode = fresh ? (fresh.outcome.statusCode ?? 500) : (stored?.status_code ?? 500);
    const contentType = (fresh ? fresh.outcome.contentType : stored?.result_type) ?? 'application/octet-stream';
    const durationSeconds = (fresh ? fresh.outcome.durationSeconds : stored?.duration_seconds) ?? 0;
    const delivery = deliverCallback(
      {
        url,
        callId: row.call_id,
        functionName: row.function_name,
        statusCode,
        durationSeconds,
        contentType,
        body,
        truncated: Boolean(stored?.result_truncated),
      },
      {
        timeoutMs: this.callbackTimeoutMs,
        maxAttempts: this.callbackAttempts,
        baseBackoffMs: this.callbackBackoffMs,
        signal: this.shutdown.signal,
      },
    )
      .then((out) => {
        if (out.aborted || !this.store.isOpen) return; // stays pending: sent again at the next start
        this.store.recordCallback(row.call_id, out.delivered ? 'delivered' : 'failed', out.status, out.attempts);
        if (!out.delivered) {
          this.log(`async ${row.call_id}: callback to ${url} failed after ${out.attempts} attempt(s): ${out.error ?? out.status}`);
        }
      })
      .catch((err: unknown) => this.log(`async ${row.call_id}: callback bookkeeping failed: ${String(err)}`))
      .finally(() => this.callbacks.delete(delivery));
    this.callbacks.add(delivery);
  }
}
