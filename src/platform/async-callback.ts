// Delivers a finished async call to its X-Callback-Url the way OpenFaaS's queue-worker does:
// a POST of the function's response body with X-Call-Id, X-Function-Status, X-Duration-Seconds,
// X-Function-Name. Delivery is retried; it never re-runs the function.

export interface CallbackPayload {
  url: string;
  callId: string;
  functionName: string;
  statusCode: number;
  durationSeconds: number;
  contentType: string;
  body: Buffer;
  /** The stored body was cut to the size cap (only when redelivering after a restart). */
  truncated?: boolean;
}

export interface CallbackOptions {
  /** Per POST. */
  timeoutMs: number;
  /** Total POSTs at most. */
  maxAttempts: number;
  /** Wait before the second POST; doubles after each. */
  baseBackoffMs: number;
  /** Aborts waiting and sending (the queue is stopping); the callback stays pending. */
  signal?: AbortSignal;
}

export interface CallbackOutcome {
  /** Whether the receiver answered 2xx/3xx. */
  delivered: boolean;
  /** The receiver's last status, 0 when it never answered (refused, timed out). */
  status: number;
  attempts: number;
  /** The queue stopped before an answer: leave it pending for the next start. */
  aborted: boolean;
  error?: string;
}

/** 408, 429 and 5xx say "try again later"; other 4xx will not change. */
const worthRetrying = (status: number): boolean => status === 0 || status === 408 || status === 429 || status >= 500;

export async function deliverCallback(p: CallbackPayload, opts: CallbackOptions): Promise<CallbackOutcome> {
  const headers: Record<string, string> = {
    'Content-Type': p.contentType,
    'X-Call-Id': p.callId,
    'X-Function-Status': String(p.statusCode),
    'X-Duration-Seconds': p.durationSeconds.toFixed(6),
    'X-Function-Name': p.functionName,
  };
  if (p.truncated) headers['X-Faasml-Result-Truncated'] = 'true';
  let status = 0;
  let error: string | undefined;
  let attempts = 0;
  for (let attempt = 1; attempt <= opts.maxAttempts; attempt++) {
    if (opts.signal?.aborted) return { delivered: false, status, attempts: attempt - 1, aborted: true, error };
    attempts = attempt;
    // One signal for both the per-POST timeout and the queue stopping.
    const request = new AbortController();
    const timeout = setTimeout(() => request.abort(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const onStop = (): void => request.abort(new Error('the queue is stopping'));
    opts.signal?.addEventListener('abort', onStop, { once: true });
    try {
      const res = await fetch(p.url, { method: 'POST', headers, body: p.body, signal: request.signal });
      status = res.status;
      error = undefined;
      await res.arrayBuffer().catch(() => undefined); // drain so the connection is reused
    } catch (err) {
      if (opts.signal?.aborted) return { delivered: false, status, attempts: attempt, aborted: true, error };
      status = 0;
      const reason: unknown = request.signal.aborted ? request.signal.reason : err;
      error = reason instanceof Error ? (reason.cause instanceof Error ? reason.cause.message : reason.message) : String(reason);
    } finally {
      clearTimeout(timeout);
      opts.signal?.removeEventListener('abort', onStop);
    }
    if (status >= 200 && status < 400) return { delivered: true, status, attempts: attempt, aborted: false };
    if (!worthRetrying(status) || attempt === opts.maxAttempts) break;
    const waited = await sleep(opts.baseBackoffMs * 2 ** (attempt - 1), opts.signal);
    if (!waited) return { delivered: false, status, attempts: attempt, aborted: true, error };
  }
  const out: CallbackOutcome = { delivered: false, status, attempts, aborted: false };
  if (error) out.error = error;
  return out;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
