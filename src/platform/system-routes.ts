// The OpenFaaS management API under /system/: list, deploy, update, delete functions, one
// function's status, scaling by hand, gateway info, and async call status.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import type { AsyncQueue } from './async-queue.js';
import { readBody } from './body.js';
import type { PlatformCore } from './core.js';
import type { ResolvedSpec } from './spec.js';
import { parseDeployBody } from './stack.js';

export interface SystemApi {
  core: PlatformCore;
  /** Relative handler paths in deploy bodies resolve against this folder. */
  baseDir: string;
  info(): Record<string, unknown>;
  asyncQueue?: AsyncQueue;
  maxBodyBytes: number;
  onDeploy?(spec: ResolvedSpec): void;
}

/** OpenFaaS's FunctionStatus plus faasml's live fields (ready, starting, inFlight, queued, coldStarts). */
export function functionStatus(api: SystemApi, name: string): Record<string, unknown> {
  const pool = api.core.pool(name);
  const s = pool.status();
  const spec = pool.spec;
  return {
    name,
    image: spec.handlerDir,
    handler: spec.handlerFile,
    namespace: 'faasml',
    replicas: s.replicas,
    availableReplicas: s.availableReplicas,
    invocationCount: s.invocationCount,
    labels: spec.labels,
    annotations: spec.annotations,
    envVars: spec.environment,
    limits: spec.limits,
    requests: spec.requests,
    execTimeout: spec.execTimeoutMs === undefined ? null : `${spec.execTimeoutMs / 1000}s`,
    maxInflight: spec.maxInflight ?? null,
    createdAt: spec.createdAt,
    ready: s.ready,
    starting: s.starting,
    inFlight: s.inFlight,
    queued: s.queued,
    coldStarts: s.coldStarts,
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    target: spec.scale.target,
    instances: s.instances,
  };
}

async function jsonOf(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) throw new BadRequestError('request body is empty (expected JSON)');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError('malformed JSON body', (err as Error).message);
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'content-length': 0 });
    res.end();
    return;
  }
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

export async function handleSystem(api: SystemApi, req: IncomingMessage, res: ServerResponse, pathname: string, _query: Record<string, string>): Promise<void> {
  const method = req.method ?? 'GET';
  if (pathname === '/system/functions') {
    if (method === 'GET') return send(res, 200, [...api.core.pools.keys()].map((n) => functionStatus(api, n)));
    if (method === 'POST' || method === 'PUT') {
      const spec = parseDeployBody(await jsonOf(req, api.maxBodyBytes), api.baseDir);
      if (method === 'PUT' && !api.core.pools.has(spec.name)) throw new NotFoundError(`function ${spec.name} not found`);
      await api.core.deploy(spec);
      api.onDeploy?.(spec);
      return send(res, 202, functionStatus(api, spec.name));
    }
    if (method === 'DELETE') {
      const body = (await jsonOf(req, api.maxBodyBytes)) as { functionName?: unknown };
      if (typeof body?.functionName !== 'string') throw new BadRequestError("field 'functionName' is required", { field: 'functionName' });
      await api.core.remove(body.functionName);
      return send(res, 202);
    }
    throw new MethodNotAllowedError(`${method} not allowed on /system/functions`);
  }
  if (pathname.startsWith('/system/function/')) {
    if (method !== 'GET') throw new MethodNotAllowedError(`${method} not allowed on ${pathname}`);
    return send(res, 200, functionStatus(api, decodeURIComponent(pathname.slice(17))));
  }
  if (pathname.startsWith('/system/scale-function/')) {
    if (method !== 'POST') throw new MethodNotAllowedError(`${method} not allowed on ${pathname}`);
    const name = decodeURIComponent(pathname.slice(23));
    const pool = api.core.pool(name);
    const body = (await jsonOf(req, api.maxBodyBytes)) as { replicas?: unknown };
    const n = Number(body?.replicas);
    if (!Number.isInteger(n) || n < 0 || n > 64) throw new BadRequestError("field 'replicas' must be an integer from 0 to 64", { field: 'replicas' });
    pool.scale(n);
    return send(res, 202, { name, replicas: n });
  }
  if (pathname === '/system/info') return send(res, 200, api.info());
  if (pathname.startsWith('/system/async/')) {
    if (!api.asyncQueue) throw new NotFoundError('the async queue is not available');
    const callId = decodeURIComponent(pathname.slice(14));
    const status = api.asyncQueue.get(callId);
    if (!status) throw new NotFoundError(`async call ${callId} not found`);
    return send(res, 200, status);
  }
  throw new NotFoundError(`no route for ${method} ${pathname}`);
}
