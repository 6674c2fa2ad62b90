// Turns what an invoke gave (a result or a thrown error) into the attempt the queue records.
import { errorResponse } from '../errors.js';
import type { AttemptOutcome } from './async-store.js';
import type { InvokeResult } from './async-types.js';

/** Header value by case-insensitive name. */
export function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export function resultOutcome(result: InvokeResult, elapsed: number): AttemptOutcome {
  const body = Buffer.isBuffer(result.body) ? result.body : Buffer.from(result.body ?? '');
  const out: AttemptOutcome = {
    statusCode: Number.isInteger(result.statusCode) ? result.statusCode : 500,
    body,
    durationSeconds: Number.isFinite(result.durationSeconds) ? result.durationSeconds : elapsed,
  };
  const contentType = header(result.headers, 'content-type');
  if (contentType) out.contentType = contentType;
  return out;
}

/**
 * An invoke that threw, mapped like any error (errorResponse): a typed 4xx such as an unknown
 * function is final, anything else is a 500 and retried. The JSON error body is the result.
 */
export function failureOutcome(failure: unknown, elapsed: number): AttemptOutcome {
  const message = failure instanceof Error ? failure.message : String(failure);
  const { statusCode, body } = errorResponse(failure);
  return {
    statusCode,
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    error: `invoke failed: ${message}`,
    durationSeconds: elapsed,
  };
}
