// One request through undici's keep-alive pool, timed with the monotonic clock, turned into a
// RequestRecord. Failures (refused, TLS, timeout, non-2xx) become records with their text; the
// hot path only reads the body to count it.
import { Pool } from 'undici';
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
  if (code === 'ECONNREFUSED') return { kind: 'refused', text: `connection refused: ${text}` };
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

/** Sends one request and always resolves to a record (never throws). */
export async function sendOne(spec: SendSpec): Promise<RequestRecord> {
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
  // One controller per request, aborted by its own deadline or by the user's Ctrl-C.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, spec.timeoutMs);
  const onUserAbort = () => controller.abort();
  spec.signal?.addEventListener('abort', onUserAbort, { once: true });
  const signal = controller.signal;
  try {
    const res = await spec.pool.request({
      path: spec.target.path,
      method: spec.target.method as 'GET',
      headers: spec.target.headers,
      body: spec.body,
      signal,
      headersTimeout: spec.timeoutMs,
      bodyTimeout: spec.timeoutMs,
    });
    record.firstByteMs = nowMs() - start;
    record.status = res.statusCode;
    const cold = res.headers['x-faasml-cold-start'];
    if (cold !== undefined) record.coldStart = String(cold).toLowerCase() === 'true';
    const instance = res.headers['x-faasml-instance'];
    if (instance !== undefined) record.instance = String(instance);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    let head = '';
    for await (const chunk of res.body) {
      record.bytes += (chunk as Buffer).length;
      if (!ok && head.length < 300) head += (chunk as Buffer).toString('utf8');
    }
    if (!ok) {
      record.errorKind = `http_${res.statusCode}`;
      record.error = `HTTP ${res.statusCode}${head ? `: ${head.slice(0, 300).trim()}` : ''}`;
    }
  } catch (err) {
    // The deadline and the user's Ctrl-C both abort: tell them apart by which fired.
    const c = timedOut && !spec.signal?.aborted ? { kind: 'timeout', text: `timeout after ${spec.timeoutMs} ms` } : classifyError(err);
    if (spec.signal?.aborted) c.kind = 'interrupted';
    record.errorKind = c.kind;
    record.error = c.text;
  } finally {
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', onUserAbort);
  }
  record.end = nowMs();
  record.latencyMs = record.end - start;
  return record;
}
