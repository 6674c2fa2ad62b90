// OpenFaaS adapter, shaped like the node20 template's server: express with body-parser behind
// of-watchdog in http mode. It serves ONE function module on every path and method; the
// function sees the path and query, and errors map to the same statuses as everywhere else.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import bodyParser from 'body-parser';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { FunctionContext, FunctionModule, HttpResponse } from '../contract.js';
import { maxBodyBytes } from '../contract.js';
import { BadRequestError, PayloadTooLargeError, ValidationError, errorResponse } from '../errors.js';
import { modelsDir as defaultModelsDir } from '../paths.js';
import { adapterContext, createInvoker, withDeadline } from './invoke.js';

/** Go duration text as of-watchdog reads exec_timeout ("10s", "1m30s", "500ms"; "0" = none). */
export function parseGoDuration(text: string): number {
  const t = text.trim();
  if (t === '0' || t === '') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = t;
  const part = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = part.exec(rest);
    if (!m) throw new ValidationError(`'${text}' is not a duration like 10s, 1m30s or 500ms`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** The context of-watchdog's environment describes: exec_timeout bounds every invocation. */
export function openFaasContext(functionName: string, env: Record<string, string | undefined> = process.env): FunctionContext {
  return adapterContext({
    functionName,
    modelsDir: env.FAASML_MODELS || defaultModelsDir(),
    // Kubernetes names the pod through HOSTNAME: the replica, as OpenFaaS shows it.
    instanceId: env.HOSTNAME ? `${functionName}-${env.HOSTNAME}` : undefined,
    env,
  });
}

function send(res: Response, r: HttpResponse): void {
  res.status(r.statusCode).set(r.headers).send(r.body);
}

/** An express app serving one handler module (init runs before the first request). */
export function createOpenFaasApp(handlerModule: FunctionModule, ctx: FunctionContext): express.Application {
  const invoke = createInvoker(handlerModule, ctx);
  const execTimeoutMs = parseGoDuration(ctx.env.exec_timeout ?? '0');
  const app = express();
  app.disable('x-powered-by');
  // Raw bytes for every content type: the contract parses JSON itself, so a malformed body is
  // a 400 with the same JSON error as on the other platforms.
  // of-watchdog's ready_path: the replica turns ready only once init (the model load) is done.
  const readyPath = ctx.env.ready_path;
  if (readyPath) {
    void invoke.ready().catch(() => undefined);
    app.get(readyPath, async (_req: Request, res: Response) => {
      try {
        await invoke.ready();
        res.status(200).json({ ready: true });
      } catch (err) {
        res.status(503).json({ ready: false, error: err instanceof Error ? err.message : String(err) });
      }
    });
  }
  app.use(bodyParser.raw({ type: () => true, limit: maxBodyBytes(ctx.env) }));
  app.use(async (req: Request, res: Response) => {
    const invocationCtx = execTimeoutMs > 0 ? withDeadline(ctx, Date.now() + execTimeoutMs) : ctx;
    const r = await invoke(
      {
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        headers: req.headers,
        method: req.method,
        query: Object.fromEntries(new URL(req.originalUrl, 'http://function').searchParams),
        path: req.path,
      },
      invocationCtx,
    );
    send(res, r);
  });
  // body-parser's own failures (too large, bad encoding) in the shared error shape.
  app.use((err: { type?: string; status?: number; message?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const typed =
      err.type === 'entity.too.large'
        ? new PayloadTooLargeError(`body is over the limit of ${maxBodyBytes(ctx.env)} bytes`)
        : err.status && err.status < 500
          ? new BadRequestError(err.message ?? 'bad request')
          : err;
    const { statusCode, body } = errorResponse(typed);
    res.status(statusCode).json(body);
  });
  return app;
}

export interface ServedFunction {
  url: string;
  close(): Promise<void>;
}

/**
 * Loads a handler file (functions/<name>/handler.ts, or a built handler.js) and serves it on
 * 127.0.0.1:port (0 picks a free port). The function name is FAASML_FUNCTION or the handler's folder.
 */
export async function serveOpenFaas(handlerPath: string, port: number, host = '127.0.0.1'): Promise<ServedFunction> {
  const file = resolve(handlerPath);
  const mod = (await import(pathToFileURL(file).href)) as FunctionModule & { default?: FunctionModule };
  const handlerModule: FunctionModule = typeof mod.handle === 'function' ? mod : (mod.default as FunctionModule);
  const name = process.env.FAASML_FUNCTION ?? basename(dirname(file));
  const app = createOpenFaasApp(handlerModule, openFaasContext(name));
  const server: Server = await new Promise((ok, fail) => {
    // express 5 hands a listen error to the callback.
    const s = app.listen(port, host, (err?: Error) => (err ? fail(err) : ok(s)));
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections();
        server.close((err) => (err ? fail(err) : ok()));
      }),
  };
}
