// `faasml up` as a library: startPlatform() takes the state directory's lock, reads the stack,
// starts the gateway and the functions' minimum instances, and returns a handle to deploy,
// scale, inspect and stop it. Notebooks, benchmarks, tests and the CLI all start it this way.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_MAX_BODY_BYTES } from '../contract.js';
import { functionsDir, modelsDir as defaultModelsDir, stateDir as defaultStateDir } from '../paths.js';
import { AsyncQueue } from './async-queue.js';
import { PlatformCore } from './core.js';
import { type FunctionKeys, keyMap, loadKeys } from './function-keys.js';
import { Gateway } from './gateway.js';
import type { PoolStatus } from './function-pool.js';
import type { CallOutcome, CallRequest } from './instance.js';
import { type FunctionSpec, type ResolvedSpec, SpecError, resolveSpec } from './spec.js';
import { StackError, loadStack } from './stack.js';
import { acquireLock, releaseLock, updateLock } from './state-lock.js';
import { functionStatus, type SystemApi } from './system-routes.js';

export type { FunctionSpec, ResolvedSpec } from './spec.js';
export type { PoolStatus } from './function-pool.js';
export type { CallOutcome, CallRequest } from './instance.js';

export interface PlatformOptions {
  /** 8080 by default; 0 picks a free port. */
  port?: number;
  host?: string;
  /** Stack file to deploy (default functions/stack.yml when `functions` is not given). */
  stackFile?: string;
  /** Functions to deploy instead of a stack file; relative handlers resolve against the project's functions/. */
  functions?: FunctionSpec[];
  stateDir?: string;
  modelsDir?: string;
  startMode?: 'cold' | 'warm-pool';
  /** Warm processes kept per heap size in warm-pool mode (default 1). */
  warmPoolSize?: number;
  basicAuth?: { user: string; password: string };
  functionKeys?: boolean;
  maxBodyBytes?: number;
  /** Async queue workers (default 2). */
  asyncWorkers?: number;
  /** Called as each function's minimum instances are ready (for a progress bar). */
  onProgress?: (ready: number, total: number, name: string) => void;
  /** Stack file warnings (unknown keys) go here; default stderr. */
  onWarning?: (line: string) => void;
}

export interface Platform {
  url: string;
  port: number;
  host: string;
  stateDir: string;
  startMode: 'cold' | 'warm-pool';
  /** Function keys when enabled (host key valid for every function). */
  keys?: FunctionKeys;
  deploy(spec: FunctionSpec): Promise<void>;
  remove(name: string): Promise<void>;
  scale(name: string, replicas: number): void;
  status(): PoolStatus[];
  functionStatus(name: string): Record<string, unknown>;
  /** Calls a function without HTTP (same path as /function/{name}, without the gateway). */
  invoke(name: string, req: Partial<CallRequest> & { body?: Buffer | string | object }): Promise<CallOutcome>;
  metricsText(): Promise<string>;
  /** Resolves when every warm-pool process has finished warming up. */
  warmPoolSettled(): Promise<void>;
  stop(): Promise<void>;
}

function toSpecs(specs: FunctionSpec[], baseDir: string): ResolvedSpec[] {
  return specs.map((s) => {
    try {
      return resolveSpec(s, baseDir);
    } catch (err) {
      if (err instanceof SpecError) throw new StackError(`function ${s.name}: ${err.key}: ${err.reason}`);
      throw err;
    }
  });
}

export async function startPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const host = opts.host ?? '127.0.0.1';
  const startMode = opts.startMode ?? 'warm-pool';
  if (startMode !== 'cold' && startMode !== 'warm-pool') throw new StackError(`start mode '${String(startMode)}' must be cold or warm-pool`);
  const stateDir = resolve(opts.stateDir ?? defaultStateDir());
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const warn = opts.onWarning ?? ((l: string) => process.stderr.write(`warning: ${l}\n`));
  // Validate everything before anything starts.
  let specs: ResolvedSpec[];
  let baseDir = functionsDir();
  if (opts.functions) specs = toSpecs(opts.functions, baseDir);
  else {
    const file = resolve(opts.stackFile ?? join(functionsDir(), 'stack.yml'));
    const stack = loadStack(file);
    for (const w of stack.warnings) warn(w);
    specs = stack.functions;
    baseDir = dirname(file);
  }

  const lock = acquireLock(stateDir);
  const core = new PlatformCore({
    stateDir,
    // FAASML_MODELS wins; otherwise the models live in the state directory.
    modelsDir: resolve(opts.modelsDir ?? (process.env.FAASML_MODELS || !opts.stateDir ? defaultModelsDir() : join(stateDir, 'models'))),
    startMode,
    warmPoolSize: opts.warmPoolSize ?? 1,
  });
  const keys = opts.functionKeys ? loadKeys(stateDir, specs.map((s) => s.name)) : undefined;
  const keyLookup = keys ? keyMap(keys) : undefined;
  let asyncQueue: AsyncQueue | undefined;
  const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000 });
  let port = 0;
  const api: SystemApi = {
    core,
    baseDir,
    maxBodyBytes,
    info: () => ({
      provider: { provider: 'faasml', orchestration: 'process', version: { release: '0.1.0' } },
      version: { release: '0.1.0' },
      arch: process.arch,
      pid: process.pid,
      stateDir,
      startMode,
      warmPool: core.warmPool ? { settled: core.warmPool.isSettled(), byHeapMiB: core.warmPool.counts() } : null,
      cpus: cpus().length,
      functions: core.pools.size,
    }),
    onDeploy: (spec) => {
      if (keys && keyLookup && !keys.functions[spec.name]) {
        Object.assign(keys, loadKeys(stateDir, [spec.name]));
        keyLookup.set(spec.name, keys.functions[spec.name]);
      }
    },
  };

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') fail(new Error(`port ${opts.port ?? 8080} on ${host} is already in use; stop what runs there or pass another --port`));
        else if (err.code === 'EACCES') fail(new Error(`no permission to listen on ${host}:${opts.port ?? 8080}`));
        else fail(err);
      });
      server.listen(opts.port ?? 8080, host, () => ok());
    });
    port = (server.address() as AddressInfo).port;
    asyncQueue = new AsyncQueue({
      stateDir,
      workers: opts.asyncWorkers,
      invoke: async (r) => {
        const started = performance.now();
        const o = await core.invoke(r.functionName, { method: r.method, path: r.path, query: r.query, headers: r.headers, body: r.body, callId: r.callId });
        return { statusCode: o.statusCode, headers: o.headers, body: o.body, durationSeconds: (performance.now() - started) / 1000 };
      },
    });
    api.asyncQueue = asyncQueue;
    const gateway = new Gateway(core, { maxBodyBytes, basicAuth: opts.basicAuth, functionKeys: keyLookup }, api, asyncQueue);
    server.on('request', gateway.handle);
    const url = `http://${host}:${port}`;
    updateLock(stateDir, { ...lock, port, url });
    let ready = 0;
    opts.onProgress?.(0, specs.length, '');
    await Promise.all(specs.map((s) => core.deploy(s).then(() => opts.onProgress?.(++ready, specs.length, s.name))));
    for (const st of core.status()) {
      if (st.ready < st.minReplicas) warn(`function ${st.name}: ${st.minReplicas - st.ready} instance(s) failed to start; see ${join(stateDir, 'logs', `${st.name}.log`)}`);
    }
    asyncQueue.start();
  } catch (err) {
    server.close();
    await core.stop();
    if (asyncQueue) await asyncQueue.stop().catch(() => {});
    releaseLock(stateDir);
    throw err;
  }

  const url = `http://${host}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    stateDir,
    startMode,
    keys,
    deploy: async (spec) => {
      const [resolved] = toSpecs([spec], baseDir);
      await core.deploy(resolved);
      api.onDeploy?.(resolved);
    },
    remove: (name) => core.remove(name),
    scale: (name, replicas) => core.pool(name).scale(replicas),
    status: () => core.status(),
    functionStatus: (name) => functionStatus(api, name),
    invoke: (name, req) => {
      const raw = req.body;
      const body = raw === undefined ? Buffer.alloc(0) : Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw));
      const headers = req.headers ?? (raw !== undefined && !Buffer.isBuffer(raw) && typeof raw === 'object' ? { 'content-type': 'application/json' } : {});
      return core.invoke(name, { method: req.method ?? 'POST', path: req.path ?? '/', query: req.query ?? {}, headers, body, callId: req.callId ?? crypto.randomUUID() });
    },
    metricsText: () => core.metrics.text(),
    warmPoolSettled: () => core.warmPool?.settled() ?? Promise.resolve(),
    stop: () => {
      stopping ??= (async () => {
        server.close();
        server.closeAllConnections();
        await asyncQueue?.stop().catch(() => {});
        await core.stop();
        releaseLock(stateDir);
      })();
      return stopping;
    },
  };
}
