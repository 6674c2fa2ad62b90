// What every platform adapter shares: a FunctionContext built from plain options, and an
// invoker that runs a handler module's `init` once per process (a memoized promise, retried
// after a failure) and turns the handler's result or error into bytes on the wire through
// src/contract.ts, so Azure, OpenFaaS and the embedded platform answer with the same statuses.
import { randomUUID } from 'node:crypto';
import { buildEvent, maxBodyBytes, toResponse } from '../contract.js';
import type { FunctionContext, FunctionModule, HttpResponse, Logger, RawRequest } from '../contract.js';

export interface AdapterContextOptions {
  functionName: string;
  modelsDir: string;
  instanceId?: string;
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** Absolute deadline (ms since epoch) of the current invocation; Infinity outside one. */
  deadline?: number;
}

/** Logs one JSON line a record on stderr: the platforms (Azure, of-watchdog) collect stderr. */
export function jsonLogger(functionName: string): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    process.stderr.write(`${JSON.stringify({ level, function: functionName, message, ...fields })}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export function adapterContext(opts: AdapterContextOptions): FunctionContext {
  const deadline = opts.deadline ?? Infinity;
  return {
    functionName: opts.functionName,
    instanceId: opts.instanceId ?? `${opts.functionName}-${process.pid}-${randomUUID().slice(0, 8)}`,
    remainingTimeMs: () => (deadline === Infinity ? Infinity : Math.max(0, deadline - Date.now())),
    modelsDir: opts.modelsDir,
    env: opts.env ?? process.env,
    log: opts.log ?? jsonLogger(opts.functionName),
  };
}

/** The same context for one invocation, with that invocation's deadline. */
export function withDeadline(ctx: FunctionContext, deadline: number): FunctionContext {
  return { ...ctx, remainingTimeMs: () => (deadline === Infinity ? Infinity : Math.max(0, deadline - Date.now())) };
}

export interface Invoker {
  (req: RawRequest, ctx?: FunctionContext): Promise<HttpResponse>;
  /** Runs init now (once); resolves when the function is ready to serve. */
  ready(): Promise<void>;
}

/**
 * Wraps a handler module: `init(ctx)` runs once before the first request (concurrent first
 * requests wait for the same promise; a failed init is retried by the next request), then
 * `handle(event, ctx)`. Every error becomes the typed-error response, never a stack trace.
 */
export function createInvoker(mod: FunctionModule, baseCtx: FunctionContext): Invoker {
  if (typeof mod?.handle !== 'function') {
    throw new TypeError(`the handler module for ${baseCtx.functionName} exports no handle(event, context) function`);
  }
  let initialised: Promise<void> | undefined;
  const ensureInit = (): Promise<void> => {
    if (!mod.init) return Promise.resolve();
    if (!initialised) {
      const attempt = Promise.resolve().then(() => mod.init!(baseCtx));
      initialised = attempt;
      attempt.catch(() => {
        if (initialised === attempt) initialised = undefined;
      });
    }
    return initialised;
  };
  let warm = false;
  const invoke = async (req: RawRequest, ctx: FunctionContext = baseCtx): Promise<HttpResponse> => {
    // Cold: the request arrived before init had finished (the header the embedded gateway sets), so
    // benchmarks can tell cold starts apart on Azure and OpenFaaS too.
    const cold = !warm;
    let res: HttpResponse;
    try {
      await ensureInit();
      warm = true;
      const event = buildEvent(req, maxBodyBytes(ctx.env));
      res = toResponse(await mod.handle(event, ctx));
    } catch (err) {
      res = toResponse(err, true);
      if (res.statusCode >= 500) ctx.log.error('invocation failed', { error: err instanceof Error ? err.message : String(err) });
    }
    res.headers['x-faasml-cold-start'] = String(cold);
    res.headers['x-faasml-instance'] = ctx.instanceId;
    return res;
  };
  // After an eager init (of-watchdog's ready_path) the first request finds a warm instance.
  const ready = (): Promise<void> => ensureInit().then(() => {
    warm = true;
  });
  return Object.assign(invoke, { ready });
}
