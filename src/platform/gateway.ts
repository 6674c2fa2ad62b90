// The HTTP front: /function/{name}[/{path}], /async-function/{name}, /system/*, /healthz,
// /metrics. The function path is the hot path: it reads the body (capped), forwards it over IPC
// and writes the answer, with no per-request disk I/O and prom-client children bound once.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaasmlError, MethodNotAllowedError, NotFoundError, errorResponse } from '../errors.js';
import type { AsyncQueue } from './async-queue.js';
import type { PlatformCore } from './core.js';
import type { CallOutcome, CallRequest } from './instance.js';
import { readBody } from './body.js';
import { type SystemApi, handleSystem } from './system-routes.js';

export interface GatewayOptions {
  maxBodyBytes: number;
  basicAuth?: { user: string; password: string };
  /** Accepted keys per function ('*' holds the host key valid for every function). */
  functionKeys?: Map<string, string>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length, ...extra });
  res.end(data);
}

export function sendError(res: ServerResponse, err: unknown, extra?: Record<string, string>): number {
  const { statusCode, body } = errorResponse(err);
  if (!res.headersSent) sendJson(res, statusCode, body, extra);
  else res.end();
  return statusCode;
}

function parseQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (search) for (const [k, v] of new URLSearchParams(search)) out[k] = v;
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Gateway {
  constructor(
    private readonly core: PlatformCore,
    private readonly opts: GatewayOptions,
    private readonly system: SystemApi,
    private readonly asyncQueue?: AsyncQueue,
  ) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const search = q < 0 ? '' : url.slice(q + 1);
    if (pathname.startsWith('/function/')) {
      void this.function(req, res, pathname.slice(10), search, false);
    } else if (pathname.startsWith('/async-function/')) {
      void this.function(req, res, pathname.slice(16), search, true);
    } else if (pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK');
    } else if (pathname === '/metrics') {
      void this.core.metrics.text().then((t) => {
        res.writeHead(200, { 'content-type': this.core.metrics.contentType });
        res.end(t);
      });
    } else if (pathname.startsWith('/system/')) {
      if (!this.authorized(req)) {
        sendError(res, new FaasmlError(401, 'unauthorized: /system/* needs basic auth'), { 'www-authenticate': 'Basic realm="faasml"' });
        return;
      }
      void handleSystem(this.system, req, res, pathname, parseQuery(search)).catch((err) => sendError(res, err));
    } else {
      sendError(res, new NotFoundError(`no route for ${req.method} ${pathname}`));
    }
  };

  private authorized(req: IncomingMessage): boolean {
    const auth = this.opts.basicAuth;
    if (!auth) return true;
    const header = req.headers.authorization;
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return safeEqual(decoded, `${auth.user}:${auth.password}`);
  }

  private keyOk(name: string, req: IncomingMessage, query: Record<string, string>): boolean {
    const keys = this.opts.functionKeys;
    if (!keys) return true;
    const given = (req.headers['x-functions-key'] as string | undefined) ?? query.code;
    if (!given) return false;
    const fnKey = keys.get(name);
    const hostKey = keys.get('*');
    return (!!fnKey && safeEqual(given, fnKey)) || (!!hostKey && safeEqual(given, hostKey));
  }

  private async function(req: IncomingMessage, res: ServerResponse, rest: string, search: string, isAsync: boolean): Promise<void> {
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '/' : rest.slice(slash);
    const pool = this.core.pools.get(name);
    if (!pool) {
      req.resume();
      sendError(res, new NotFoundError(`function ${name} not found`));
      return;
    }
    const started = performance.now();
    const metrics = this.core.metrics;
    metrics.invocationStarted(name);
    const query = parseQuery(search);
    const method = req.method ?? 'GET';
    const fail = (err: unknown, extra?: Record<string, string>) => {
      const code = sendError(res, err, extra);
      metrics.invocationDone(name, code, (performance.now() - started) / 1000);
    };
    if (!this.keyOk(name, req, query)) {
      req.resume();
      return fail(new FaasmlError(401, `unauthorized: function ${name} needs a key (x-functions-key header or ?code=)`));
    }
    const methods = pool.spec.methods;
    if (methods && !methods.has(method) && !isAsync) {
      req.resume();
      return fail(new MethodNotAllowedError(`function ${name} does not accept ${method}`, { allowed: [...methods] }), { allow: [...methods].join(', ') });
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.opts.maxBodyBytes);
    } catch (err) {
      return fail(err, { connection: 'close' });
    }
    const callId = (req.headers['x-call-id'] as string | undefined) || randomUUID();
    if (isAsync) return this.enqueue(res, name, { method, path, query, headers: req.headers, body, callId }, started);

    const startTime = Date.now();
    const call = this.core.submit(name, { method, path, query, headers: req.headers, body, callId }, (o: CallOutcome) => {
      const seconds = (performance.now() - started) / 1000;
      metrics.invocationDone(name, o.statusCode, seconds);
      if (res.destroyed) return;
      const headers: Record<string, string | number> = o.headers as Record<string, string>;
      headers['x-call-id'] = callId;
      headers['x-start-time'] = `${startTime}000000`;
      headers['x-duration-seconds'] = seconds.toFixed(6);
      headers['x-faasml-cold-start'] = o.coldStart ? 'true' : 'false';
      if (o.instanceId) headers['x-faasml-instance'] = o.instanceId;
      headers['content-length'] = o.body.length;
      res.writeHead(o.statusCode, headers);
      res.end(o.body);
    });
    if (!call.settled) {
      res.once('close', () => {
        if (!res.writableFinished) pool.cancel(call);
      });
    }
  }

  private enqueue(res: ServerResponse, name: string, req: CallRequest, started: number): void {
    const metrics = this.core.metrics;
    if (!this.asyncQueue) {
      const code = sendError(res, new FaasmlError(501, 'the async queue is not available'));
      metrics.invocationDone(name, code, (performance.now() - started) / 1000);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    try {
      this.asyncQueue.enqueue({
        functionName: name,
        method: req.method,
        path: req.path,
        query: req.query,
        headers,
        body: req.body,
        callbackUrl: headers['x-callback-url'] || undefined,
        callId: req.callId,
      });
    } catch (err) {
      const code = sendError(res, err);
      metrics.invocationDone(name, code, (performance.now() - started) / 1000);
      return;
    }
    metrics.invocationDone(name, 202, (performance.now() - started) / 1000);
    res.writeHead(202, { 'x-call-id': req.callId, 'content-length': 0 });
    res.end();
  }
}
