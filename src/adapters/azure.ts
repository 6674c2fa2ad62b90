// Azure Functions v4 (Node programming model) adapter: an `app.http` handler that turns an
// HttpRequest into a FunctionEvent, runs the faasml handler (init once per worker) and answers
// an HttpResponseInit. Only types come from @azure/functions, so this module loads without it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { FunctionModule } from '../contract.js';
import { ValidationError } from '../errors.js';
import { adapterContext, createInvoker, withDeadline } from './invoke.js';

/** Azure's default functionTimeout on the Consumption plan. */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 5 * 60 * 1000;

/** host.json's functionTimeout ("hh:mm:ss", "-1" or absent = unbounded on Premium) in ms. */
export function parseFunctionTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_FUNCTION_TIMEOUT_MS;
  if (text.trim() === '-1') return Infinity;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new ValidationError(`functionTimeout '${text}' is not in the form hh:mm:ss`);
  const [, days, h, min, s] = m;
  return (((Number(days ?? 0) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(s)) * 1000;
}

/** Reads functionTimeout from the app's host.json (the default when the file or key is absent). */
export function hostFunctionTimeoutMs(appRoot: string): number {
  const file = join(appRoot, 'host.json');
  if (!existsSync(file)) return DEFAULT_FUNCTION_TIMEOUT_MS;
  const host = JSON.parse(readFileSync(file, 'utf8')) as { functionTimeout?: string };
  return parseFunctionTimeout(host.functionTimeout);
}

/**
 * The app's root folder: the Functions host sets AzureWebJobsScriptRoot (and runs the worker
 * there); elsewhere the working directory.
 */
export function azureAppRoot(env: Record<string, string | undefined> = process.env): string {
  return env.AzureWebJobsScriptRoot ?? process.cwd();
}

/**
 * The model store: FAASML_MODELS when set, else `models/` inside the app. On Azure each
 * instance has its own disk, so a store shared by lr-train and lr-infer across instances must
 * be an Azure Files share mounted into the app (set FAASML_MODELS to the mount path).
 */
export function azureModelsDir(env: Record<string, string | undefined> = process.env): string {
  return env.FAASML_MODELS || join(azureAppRoot(env), 'models');
}

export interface AzureHandlerOptions {
  modelsDir?: string;
  functionTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

function headersOf(req: HttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  req.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/** An `app.http` handler serving one faasml function module. */
export function azureHttpHandler(functionName: string, mod: FunctionModule, opts: AzureHandlerOptions = {}): HttpHandler {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.functionTimeoutMs ?? hostFunctionTimeoutMs(azureAppRoot(env));
  const base = adapterContext({ functionName, modelsDir: opts.modelsDir ?? azureModelsDir(env), env });
  const invoke = createInvoker(mod, base);
  return async (req: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> => {
    const started = Date.now();
    const ctx = {
      ...withDeadline(base, started + timeoutMs),
      functionName: invocation.functionName || functionName,
    };
    const body = Buffer.from(await req.arrayBuffer());
    const rest = req.params?.path;
    const res = await invoke(
      {
        body,
        headers: headersOf(req),
        method: req.method,
        query: Object.fromEntries(req.query.entries()),
        path: rest ? `/${rest}` : '/',
      },
      ctx,
    );
    return {
      status: res.statusCode,
      headers: { ...res.headers, 'x-invocation-id': invocation.invocationId },
      body: new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength),
    };
  };
}
