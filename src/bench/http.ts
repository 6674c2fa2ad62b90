// One request through undici's keep-alive pool, timed with the monotonic clock, turned into a
// RequestRecord. Failures (refused, TLS, timeout, non-2xx) become records with their text; the
// hot path only reads the body to count it.
import { Pool, type Dispatcher } from 'undici';
import type { Target } from './target.js';
import type { RequestRecord } from './types.js';

/** ms since the epoch as a float, from the monotonic clock. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function makePool(target: Target, connections: number): Pool {
  return new Pool(target.origin, {
    connections: Math.max(1, connections),
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: { rejectUnauthorized: process.env.FAASML_INSECURE_TLS !== '1' },
  });
}

export interface ErrorClass {
  kind: string;
  text: string;
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|ERR_OSSL)/;

/** Names the kind of a network failure so reports group them, and keeps the text readable. */
export function classifyError(err: unknown): ErrorClass {
  const e = err as { code?: string; name?: string; message?: string; cause?: unknown };
  const code = e?.code ?? (e?.cause as { code?: string } | undefined)?.code ?? '';
  const message = e?.message ?? String(err);
  const text = code && !message.includes(code) ? `${code}: ${message}` : message;
  if (e?.name === 'TimeoutError' || /TIMEOUT/.test(code)) return { kind: 'timeout', text: `timeout: ${text}` };
  if (e?.name === 'AbortError' || code === 'UND_ERR_ABORTED') return { kind: 'interrupted', text };
  if (TLS_CODES.test(code) || /\b(TLS|SSL|certificate)\b/i.test(message)) return { kind: 'tls', text: `TLS error: ${text}` };
  if (code === 'ECONNREFUSED') return { kind: 'refused', text: `connection refused (${text})` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { kind: 'dns', text: `host not found: ${text}` };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return { kind: 'reset', text: `connection reset: ${text}` };
  return { kind: 'other', text };
}

export interface SendSpec {
  target: Target;
  pool: Pool;
  body: Buffer | undefined;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Intended start (open loop); defaults to the actual send time. */
  intendedStart?: number;
  level: number;
  thread: number;
  activeThreads: number;
}

/**
 * Sends one request and always resolves to a record (never throws). It uses undici's dispatch
 * handler directly rather than `request()`: no response stream or promise chain per request,
 * which keeps the generator's own cost per request low (see benchmarks/loadgen-throughput.ts).
 */
export function sendOne(spec: SendSpec): Promise<RequestRecord> {
  const sent = nowMs();
  const start = spec.intendedStart ?? sent;
  const record: RequestRecord = {
    start,
    sent,
    end: sent,
    latencyMs: 0,
    firstByteMs: 0,
    status: 0,
    bytes: 0,
    sentBytes: spec.body?.length ?? 0,
    coldStart: null,
    instance: null,
    error: '',
    errorKind: '',
    level: spec.level,
    thread: spec.thread,
    activeThreads: spec.activeThreads,
  };
  return new Promise<RequestRecord>((resolve) => {
    let finished = false;
    let controller: Dispatcher.DispatchController | null = null;
    let ok = true;
    let head = '';
    const finish = (kind = '', text = '') => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onUserAbort);
      if (kind) {
        record.errorKind = kind;
        record.error = text;
      }
      record.end = nowMs();
      record.latencyMs = record.end - start;
      resolve(record);
    };
    // The deadline and the user's Ctrl-C both end the request; a request still queued in the
    // pool is aborted as soon as it starts.
    const stop = (kind: string, text: string) => {
      finish(kind, text);
      controller?.abort(new Error(text));
    };
    const timer = setTimeout(() => stop('timeout', `timeout after ${spec.timeoutMs} ms`), spec.timeoutMs);
    const onUserAbort = () => stop('interrupted', 'interrupted');
    if (spec.signal?.aborted) return onUserAbort();
    spec.signal?.addEventListener('abort', onUserAbort, { once: true });
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (finished) c.abort(new Error(record.error || 'cancelled'));
      },
      onResponseStart(_c, statusCode, headers) {
        record.firstByteMs = nowMs() - start;
        record.status = statusCode;
        const cold = headers['x-faasml-cold-start'];
        if (cold !== undefined) record.coldStart = String(cold).toLowerCase() === 'true';
        const instance = headers['x-faasml-instance'];
        if (instance !== undefined) record.instance = String(instance);
        ok = statusCode >= 200 && statusCode < 300;
      },
      onResponseData(_c, chunk) {
        record.bytes += chunk.length;
        if (!ok && head.length < 300) head += chunk.toString('utf8');
      },
      onResponseEnd() {
        if (ok) finish();
        else finish(`http_${record.status}`, `HTTP ${record.status}${head ? `: ${head.slice(0, 300).trim()}` : ''}`);
      },
      onResponseError(_c, err) {
        const c = classifyError(err);
        finish(c.kind, c.text);
      },
    };
    try {
      spec.pool.dispatch(
        {
          origin: spec.target.origin,
          path: spec.target.path,
          method: spec.target.method as Dispatcher.HttpMethod,
          headers: spec.target.headers,
          body: spec.body,
          headersTimeout: spec.timeoutMs,
          bodyTimeout: spec.timeoutMs,
        },
        handler,
      );
    } catch (err) {
      const c = classifyError(err);
      finish(c.kind, c.text);
    }
  });
}
