// The handler contract shared by every platform (see DESIGN.md): a function module exports
// `handle(event, context)` and may export `init(context)`. Adapters build the event with
// `buildEvent` and map results and errors with `toResponse`, so every platform answers alike.
import { BadRequestError, PayloadTooLargeError, errorResponse } from './errors.js';

export interface FunctionEvent {
  /** Parsed JSON when the content type is JSON, else the raw bytes. */
  body: unknown;
  rawBody: Buffer;
  headers: Record<string, string>;
  method: string;
  query: Record<string, string>;
  /** The sub-path after the function name, starting with '/'. */
  path: string;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface FunctionContext {
  functionName: string;
  instanceId: string;
  /** Milliseconds left before this invocation's deadline (Infinity outside an invocation). */
  remainingTimeMs(): number;
  /** Root folder of the model store (see src/ml/model-store.ts). */
  modelsDir: string;
  env: Record<string, string | undefined>;
  log: Logger;
}

export interface FunctionResult {
  statusCode?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FunctionModule {
  init?(context: FunctionContext): Promise<void> | void;
  handle(event: FunctionEvent, context: FunctionContext): Promise<FunctionResult> | FunctionResult;
}

export interface RawRequest {
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  query?: Record<string, string>;
  path?: string;
}

/** Default largest body a handler accepts (FAASML_MAX_BODY_BYTES overrides). */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export function maxBodyBytes(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.FAASML_MAX_BODY_BYTES);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_BODY_BYTES;
}

function isJson(contentType: string | undefined): boolean {
  return !!contentType && /^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim());
}

export function buildEvent(req: RawRequest, limit = maxBodyBytes()): FunctionEvent {
  if (req.body.length > limit) {
    throw new PayloadTooLargeError(`body of ${req.body.length} bytes is over the limit of ${limit} bytes`);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  let body: unknown = req.body;
  if (isJson(headers['content-type']) && req.body.length > 0) {
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      throw new BadRequestError('malformed JSON body', (err as Error).message);
    }
  }
  return { body, rawBody: req.body, headers, method: req.method.toUpperCase(), query: req.query ?? {}, path: req.path ?? '/' };
}

/**
 * Handlers accept JSON bodies whatever the content type says (curl sends form encoding by
 * default): this returns the JSON object of an event, `{}` for an empty body.
 */
export function jsonBody(event: FunctionEvent): Record<string, unknown> {
  let body = event.body;
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) return {};
    try {
      body = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new BadRequestError('malformed JSON body', (err as Error).message);
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A handler's result (or its error) as bytes on the wire: object bodies become JSON. */
export function toResponse(result: FunctionResult | unknown, isError = false): HttpResponse {
  const r: FunctionResult = isError ? errorResponse(result) : (result as FunctionResult) ?? {};
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let body: Buffer;
  if (r.body === undefined || r.body === null) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(r.body)) body = r.body;
  else if (typeof r.body === 'string') body = Buffer.from(r.body);
  else {
    body = Buffer.from(JSON.stringify(r.body));
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  return { statusCode: r.statusCode ?? 200, headers, body };
}
