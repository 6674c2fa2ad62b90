// The platform without HTTP: deployed functions (one FunctionPool each), the warm pool, the
// metrics, the per-instance sampler (CPU, RSS, memory limit) and the idle reaper. The gateway,
// the async queue and in-process callers all invoke functions through `invoke`.
import { type WriteStream, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../errors.js';
import { FunctionPool, type PoolStatus } from './function-pool.js';
import type { CallOutcome, CallRequest, Call } from './instance.js';
import { PlatformMetrics } from './metrics.js';
import { CLOCK_TICKS, readProcessStat } from '../procfs.js';
import type { ResolvedSpec } from './spec.js';
import { WarmPool } from './warm-pool.js';

export interface CoreOptions {
  stateDir: string;
  modelsDir: string;
  startMode: 'cold' | 'warm-pool';
  warmPoolSize: number;
  /** Sampling period of instance CPU and memory (default 250 ms). */
  sampleMs?: number;
}

export class PlatformCore {
  readonly pools = new Map<string, FunctionPool>();
  readonly metrics: PlatformMetrics;
  readonly warmPool?: WarmPool;
  private readonly logs = new Map<string, WriteStream>();
  private readonly timer: NodeJS.Timeout;
  private readonly lastCpu = new Map<string, number>();

  constructor(readonly opts: CoreOptions) {
    mkdirSync(this.logDir, { recursive: true });
    this.metrics = new PlatformMetrics(() => this.status());
    if (opts.startMode === 'warm-pool' && opts.warmPoolSize > 0) this.warmPool = new WarmPool(opts.warmPoolSize);
    this.timer = setInterval(() => this.sample(), opts.sampleMs ?? 250);
    this.timer.unref();
  }

  get logDir(): string {
    return join(this.opts.stateDir, 'logs');
  }

  private log(fn: string): WriteStream {
    let s = this.logs.get(fn);
    if (!s) {
      s = createWriteStream(join(this.logDir, `${fn}.log`), { flags: 'a' });
      s.on('error', () => {});
      this.logs.set(fn, s);
    }
    return s;
  }

  /** Deploys (or replaces) a function; resolves when its minimum instances are ready. */
  async deploy(spec: ResolvedSpec): Promise<void> {
    const old = this.pools.get(spec.name);
    const log = this.log(spec.name);
    const pool = new FunctionPool(spec, {
      modelsDir: this.opts.modelsDir,
      warmPool: this.warmPool,
      log: (chunk) => log.write(chunk),
      onColdStart: (fn) => this.metrics.coldStart(fn),
      onInstanceExit: (inst) => {
        this.metrics.instanceGone(spec.name, inst.id);
        this.lastCpu.delete(inst.id);
      },
    });
    this.pools.set(spec.name, pool);
    if (old) void old.close();
    await pool.start();
  }

  async remove(name: string): Promise<void> {
    const pool = this.pools.get(name);
    if (!pool) throw new NotFoundError(`function ${name} not found`);
    this.pools.delete(name);
    await pool.close();
  }

  pool(name: string): FunctionPool {
    const pool = this.pools.get(name);
    if (!pool) throw new NotFoundError(`function ${name} not found`);
    return pool;
  }

  /** One call through the function's instances (no HTTP): what the gateway and the async queue use. */
  submit(name: string, req: CallRequest, settle: (o: CallOutcome) => void): Call {
    return this.pool(name).submit(req, settle);
  }

  invoke(name: string, req: CallRequest): Promise<CallOutcome> {
    const pool = this.pool(name);
    return new Promise((resolve) => pool.submit(req, resolve));
  }

  status(): PoolStatus[] {
    return [...this.pools.values()].map((p) => p.status());
  }

  private sample(): void {
    const now = Date.now();
    for (const pool of this.pools.values()) {
      for (const inst of pool.instances) {
        if (inst.state === 'dead' || inst.pid < 0) continue;
        const stat = readProcessStat(inst.pid);
        const s = stat && { cpuSeconds: stat.cpuTicks / CLOCK_TICKS, rssBytes: stat.rssBytes };
        if (!s) continue;
        const before = this.lastCpu.get(inst.id) ?? 0;
        this.lastCpu.set(inst.id, s.cpuSeconds);
        inst.cpuSeconds = s.cpuSeconds;
        inst.rssBytes = s.rssBytes;
        this.metrics.instanceSample(pool.spec.name, inst.id, s.cpuSeconds - before, s.rssBytes);
        pool.enforceMemory(inst);
      }
      pool.reap(now);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.warmPool?.stop();
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
    await Promise.all([...this.logs.values()].map((s) => new Promise<void>((r) => s.end(() => r()))));
    this.logs.clear();
  }
}
