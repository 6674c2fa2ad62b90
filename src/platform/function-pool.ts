// The instances of one function and the scaler's rules for it: dispatch to the least busy
// ready instance under `target`, queue (bounded) while instances start or all are busy,
// start another when in-flight per instance reaches target (up to max), stop idle instances
// above min, scale to zero after zero-duration idle, replace crashed and killed instances.
import { randomBytes } from 'node:crypto';
import { FaasmlError, TooManyRequestsError } from '../errors.js';
import { type Call, type CallOutcome, type CallRequest, Instance, type InstanceEvents, errorOutcome } from './instance.js';
import type { FromInstance, LoadMessage } from './protocol.js';
import { chooseCores, heapForMemory, pinToCores, spawnRunner } from './runner-process.js';
import type { ResolvedSpec } from './spec.js';
import type { WarmPool } from './warm-pool.js';

export interface PoolDeps {
  modelsDir: string;
  warmPool?: WarmPool;
  /** Function log lines (already tagged) go here. */
  log(chunk: Buffer | string): void;
  onColdStart(fn: string): void;
  onInstanceExit(inst: Instance): void;
}

export interface PoolStatus {
  name: string;
  replicas: number;
  availableReplicas: number;
  ready: number;
  starting: number;
  inFlight: number;
  queued: number;
  invocationCount: number;
  coldStarts: number;
  minReplicas: number;
  maxReplicas: number;
  instances: { id: string; pid: number; state: string; inFlight: number; served: number; cpuSeconds: number; rssBytes: number; cores: string; warmPool: boolean; startMs: number; initMs: number }[];
}

export class FunctionPool {
  readonly instances = new Set<Instance>();
  private queue: Call[] = [];
  invocationCount = 0;
  coldStarts = 0;
  private floor: number;
  private ceiling: number;
  private closed = false;
  /** Scaled to zero after zero-duration idle: the floor is 0 until the next request. */
  private zeroed = false;
  private lastBusy = Date.now();

  constructor(
    readonly spec: ResolvedSpec,
    private readonly deps: PoolDeps,
  ) {
    this.floor = spec.scale.min;
    this.ceiling = spec.scale.max;
  }

  get heapMiB(): number | undefined {
    return heapForMemory(this.spec.memoryBytes);
  }

  /** Starts the minimum number of instances; resolves when they are ready (or failed). */
  async start(): Promise<void> {
    this.deps.warmPool?.ensure(this.heapMiB, this.spec.handlerFile);
    const started: Instance[] = [];
    while (this.active() < this.floor) started.push(this.startInstance());
    await Promise.all(started.map((i) => this.whenSettled(i)));
  }

  private whenSettled(inst: Instance): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (inst.state === 'starting') setTimeout(check, 20);
        else resolve();
      };
      check();
    });
  }

  private active(): number {
    let n = 0;
    for (const i of this.instances) if (i.state === 'starting' || i.state === 'ready') n++;
    return n;
  }

  private readyCount(): number {
    let n = 0;
    for (const i of this.instances) if (i.state === 'ready') n++;
    return n;
  }

  /** Sends a request through the pool; `call.settle` gets the outcome. */
  submit(req: CallRequest, settle: (o: CallOutcome) => void): Call {
    const call: Call = {
      req,
      arrivedAt: Date.now(),
      settled: false,
      settle: (o) => {
        if (call.settled) return;
        call.settled = true;
        if (o.coldStart) {
          this.coldStarts++;
          this.deps.onColdStart(this.spec.name);
        }
        settle(o);
      },
    };
    this.invocationCount++;
    this.lastBusy = call.arrivedAt;
    this.zeroed = false;
    if (this.closed) {
      call.settle(errorOutcome(new FaasmlError(503, `function ${this.spec.name} is being removed`)));
      return call;
    }
    const inst = this.pick(this.spec.scale.target);
    if (inst) {
      inst.run(call);
      this.scaleUp();
      return call;
    }
    // At max instances with max_inflight set, instances take calls beyond target up to that limit.
    const limit = this.spec.maxInflight;
    if (limit !== undefined && this.active() >= this.ceiling && !this.anyStarting()) {
      const over = this.pick(limit);
      if (over) {
        over.run(call);
        return call;
      }
      call.settle(errorOutcome(new TooManyRequestsError(`function ${this.spec.name} is at max_inflight of ${limit} per instance on all ${this.readyCount()} instances`)));
      return call;
    }
    if (this.queue.length >= this.spec.queueMax) {
      call.settle(errorOutcome(new TooManyRequestsError(`queue of function ${this.spec.name} is full (limit ${this.spec.queueMax})`)));
      return call;
    }
    this.queue.push(call);
    this.scaleUp();
    return call;
  }

  /** The caller disconnected: drop a queued call, or free the instance slot of a running one. */
  cancel(call: Call): void {
    if (call.settled) return;
    call.settled = true;
    if (call.instance) call.instance.release(call);
    else {
      const i = this.queue.indexOf(call);
      if (i >= 0) this.queue.splice(i, 1);
    }
  }

  private anyStarting(): boolean {
    for (const i of this.instances) if (i.state === 'starting') return true;
    return false;
  }

  private pick(limit: number): Instance | undefined {
    let best: Instance | undefined;
    for (const i of this.instances) {
      if (i.state !== 'ready' || i.inFlight >= limit) continue;
      if (!best || i.inFlight < best.inFlight) best = i;
    }
    return best;
  }

  private get minNow(): number {
    return this.zeroed ? 0 : this.floor;
  }

  private scaleUp(): void {
    if (this.closed) return;
    let inFlight = 0;
    for (const i of this.instances) inFlight += i.inFlight;
    const wanted = Math.ceil((inFlight + this.queue.length) / this.spec.scale.target);
    const desired = Math.min(this.ceiling, Math.max(this.minNow, wanted));
    let active = this.active();
    // Only start when the ready instances are all at target (or none is ready).
    if (active < desired && (this.queue.length > 0 || !this.pick(this.spec.scale.target))) {
      while (active < desired) {
        this.startInstance();
        active++;
      }
    }
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const limit = this.active() >= this.ceiling && this.spec.maxInflight ? this.spec.maxInflight : this.spec.scale.target;
      const inst = this.pick(limit);
      if (!inst) break;
      inst.run(this.queue.shift()!);
    }
    if (this.queue.length > 0) this.scaleUp();
  }

  private events: InstanceEvents = {
    ready: (inst) => {
      this.deps.log(`${new Date().toISOString()} ${this.spec.name} ${inst.id} - [platform] ready in ${Date.now() - inst.startedAt} ms (init ${inst.initMs.toFixed(0)} ms${inst.fromWarmPool ? ', from warm pool' : ''})\n`);
      this.drain();
    },
    free: () => this.drain(),
    exit: (inst, reason) => {
      this.instances.delete(inst);
      this.deps.log(`${new Date().toISOString()} ${this.spec.name} ${inst.id} - [platform] stopped: ${reason}\n`);
      this.deps.onInstanceExit(inst);
      if (this.closed) return;
      // An instance that died before it was ready (init threw, the module or runtime failed to
      // load) is not restarted in a loop: waiting callers get 502 and the next request retries.
      if (inst.readyAt === 0 && this.readyCount() === 0 && !this.anyStarting()) {
        for (const c of this.queue.splice(0)) c.settle(errorOutcome(new FaasmlError(502, `function ${this.spec.name} failed to start`, reason)));
        return;
      }
      if (inst.readyAt === 0) {
        this.drain();
        return;
      }
      while (this.active() < this.minNow) this.startInstance();
      this.drain();
    },
    output: (_inst, chunk) => this.deps.log(chunk),
  };

  private startInstance(): Instance {
    const id = `${this.spec.name}-${randomBytes(3).toString('hex')}`;
    const pooled = this.deps.warmPool?.take(this.heapMiB);
    const proc = pooled?.proc ?? spawnRunner({ warm: false, heapMiB: this.heapMiB, env: this.spec.environment, instanceId: id });
    const inst = new Instance(id, this.spec, proc, !!pooled, this.events);
    this.instances.add(inst);
    if (this.spec.cpuCores && proc.pid) {
      const siblings = [...this.instances].filter((i) => i !== inst && i.state !== 'dead').map((i) => i.cores);
      inst.cores = chooseCores(this.spec.cpuCores, siblings);
      void pinToCores(proc.pid, inst.cores).then((c) => (inst.cores = c));
    }
    const load: LoadMessage = { t: 'load', fn: this.spec.name, handlerFile: this.spec.handlerFile, instanceId: id, env: this.spec.environment, modelsDir: this.deps.modelsDir };
    try {
      proc.send(load);
    } catch {
      inst.kill('could not reach the new instance');
    }
    return inst;
  }

  /** Sets the replica count by hand (POST /system/scale-function): it becomes the new minimum. */
  scale(replicas: number): void {
    this.floor = replicas;
    this.zeroed = false;
    this.ceiling = Math.max(this.spec.scale.max, replicas);
    while (this.active() < replicas) this.startInstance();
    const idle = [...this.instances].filter((i) => i.state !== 'dead' && i.state !== 'stopping').sort((a, b) => a.inFlight - b.inFlight);
    while (this.active() > replicas && idle.length && idle[0].inFlight === 0) idle.shift()!.stop();
  }

  /** Called periodically: stops idle instances above the floor, and all after zero-duration idle. */
  reap(now: number): void {
    if (this.queue.length > 0) return;
    let busy = false;
    for (const i of this.instances) if (i.inFlight > 0) busy = true;
    if (busy) this.lastBusy = now;
    for (const inst of this.instances) {
      if (inst.state !== 'ready' || inst.inFlight > 0) continue;
      const active = this.active();
      if (active > this.minNow && now - inst.lastActive >= this.spec.scale.idleMs) inst.stop();
      else if (this.spec.scale.zero && this.floor <= 1 && now - this.lastBusy >= this.spec.scale.zeroDurationMs && now - inst.lastActive >= this.spec.scale.zeroDurationMs) {
        this.zeroed = true;
        inst.stop();
      }
    }
  }

  /** Memory watch: kills instances whose RSS is over the limit; their calls get 502. */
  enforceMemory(inst: Instance): void {
    const limit = this.spec.memoryBytes;
    if (limit && inst.rssBytes > limit && inst.state !== 'dead') {
      inst.kill(`memory limit exceeded (RSS ${(inst.rssBytes / 2 ** 20).toFixed(0)} MiB over ${this.spec.limits.memory})`);
    }
  }

  status(): PoolStatus {
    let inFlight = 0;
    for (const i of this.instances) inFlight += i.inFlight;
    return {
      name: this.spec.name,
      replicas: this.active(),
      availableReplicas: this.readyCount(),
      ready: this.readyCount(),
      starting: [...this.instances].filter((i) => i.state === 'starting').length,
      inFlight,
      queued: this.queue.length,
      invocationCount: this.invocationCount,
      coldStarts: this.coldStarts,
      minReplicas: this.floor,
      maxReplicas: this.ceiling,
      instances: [...this.instances].map((i) => ({ id: i.id, pid: i.pid, state: i.state, inFlight: i.inFlight, served: i.served, cpuSeconds: i.cpuSeconds, rssBytes: i.rssBytes, cores: i.cores, warmPool: i.fromWarmPool, startMs: i.readyAt ? i.readyAt - i.startedAt : 0, initMs: Math.round(i.initMs) })),
    };
  }

  queueDepth(): number {
    return this.queue.length;
  }

  /** Stops every instance; queued callers get 503. */
  close(): Promise<void> {
    this.closed = true;
    for (const c of this.queue.splice(0)) c.settle(errorOutcome(new FaasmlError(503, `function ${this.spec.name} is stopping`)));
    const exits = [...this.instances].map((i) => new Promise<void>((r) => (i.state === 'dead' ? r() : i.proc.once('exit', () => r()))));
    for (const i of this.instances) i.stop();
    return Promise.all(exits).then(() => undefined);
  }
}

export type { FromInstance };
