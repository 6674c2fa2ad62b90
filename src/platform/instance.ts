// One function instance as the gateway sees it: a runner process, its state, the calls it
// holds, and the limits enforced from outside (exec_timeout, memory). A call always settles
// exactly once: with the function's response, or with 502/504 when the instance fails.
import type { ChildProcess } from 'node:child_process';
import { FaasmlError } from '../errors.js';
import type { FromInstance, RequestMessage } from './protocol.js';
import { formatDuration } from './quantity.js';
import type { ResolvedSpec } from './spec.js';

export interface CallRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  callId: string;
}

export interface CallOutcome {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
  instanceId?: string;
  coldStart: boolean;
}

/** A request on its way through the pool; `settle` runs once. */
export interface Call {
  req: CallRequest;
  arrivedAt: number;
  settled: boolean;
  settle(outcome: CallOutcome): void;
  instance?: Instance;
  id?: number;
  timer?: NodeJS.Timeout;
}

export type InstanceState = 'starting' | 'ready' | 'stopping' | 'dead';

export interface InstanceEvents {
  ready(inst: Instance): void;
  free(inst: Instance): void;
  exit(inst: Instance, reason: string): void;
  output(inst: Instance, chunk: Buffer): void;
}

export function errorOutcome(err: FaasmlError, instanceId?: string, coldStart = false): CallOutcome {
  const body: Record<string, unknown> = { error: err.message };
  if (err.detail !== undefined) body.detail = err.detail;
  return { statusCode: err.statusCode, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), instanceId, coldStart };
}

export class Instance {
  state: InstanceState = 'starting';
  readonly calls = new Map<number, Call>();
  readonly startedAt = Date.now();
  readyAt = 0;
  lastActive = Date.now();
  served = 0;
  cpuSeconds = 0;
  rssBytes = 0;
  cores = '';
  initMs = 0;
  private nextId = 1;
  private killReason: string | undefined;

  constructor(
    readonly id: string,
    readonly spec: ResolvedSpec,
    readonly proc: ChildProcess,
    readonly fromWarmPool: boolean,
    private readonly events: InstanceEvents,
  ) {
    proc.on('message', (m: FromInstance) => this.onMessage(m));
    proc.on('exit', (code, signal) => this.onExit(code, signal));
    proc.on('error', () => this.kill('process error'));
    proc.stdout?.on('data', (c: Buffer) => events.output(this, c));
    proc.stderr?.on('data', (c: Buffer) => events.output(this, c));
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get inFlight(): number {
    return this.calls.size;
  }

  run(call: Call): void {
    const id = this.nextId++;
    call.id = id;
    call.instance = this;
    this.calls.set(id, call);
    this.lastActive = Date.now();
    const timeoutMs = this.spec.execTimeoutMs ?? 0;
    if (timeoutMs > 0) call.timer = setTimeout(() => this.timeout(call), timeoutMs);
    const msg: RequestMessage = { t: 'req', id, method: call.req.method, path: call.req.path, query: call.req.query, headers: call.req.headers, body: call.req.body, callId: call.req.callId, timeoutMs };
    try {
      this.proc.send(msg);
    } catch {
      this.kill('ipc channel closed');
    }
  }

  /** The caller went away: forget the call (its result will be dropped) and free the slot. */
  release(call: Call): void {
    if (call.id !== undefined && this.calls.get(call.id) === call) {
      this.calls.delete(call.id);
      if (call.timer) clearTimeout(call.timer);
      this.lastActive = Date.now();
      this.events.free(this);
    }
  }

  /** Stops the process; calls still held get 502 with `reason`. */
  kill(reason: string): void {
    if (this.state === 'dead') return;
    this.killReason ??= reason;
    this.state = 'stopping';
    this.proc.kill('SIGKILL');
  }

  /** Graceful stop of an idle instance. */
  stop(): void {
    this.kill('stopped');
  }

  private timeout(call: Call): void {
    const ms = this.spec.execTimeoutMs ?? 0;
    this.finish(call, errorOutcome(new FaasmlError(504, `function exceeded exec_timeout of ${formatDuration(ms)}`), this.id));
    // The stuck instance is replaced rather than left running (OpenFaaS leaves it).
    this.kill(`exec_timeout of ${formatDuration(ms)} exceeded`);
  }

  private finish(call: Call, outcome: CallOutcome): void {
    if (call.id !== undefined) this.calls.delete(call.id);
    if (call.timer) clearTimeout(call.timer);
    call.settle(outcome);
  }

  private onMessage(m: FromInstance): void {
    if (m.t === 'res') {
      const call = this.calls.get(m.id);
      if (!call) return; // released (client left) or timed out: result discarded
      this.served++;
      this.lastActive = Date.now();
      const body = Buffer.isBuffer(m.b) ? m.b : Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength);
      this.finish(call, { statusCode: m.s, headers: m.h, body, instanceId: this.id, coldStart: call.arrivedAt < this.readyAt });
      this.events.free(this);
    } else if (m.t === 'ready') {
      if (this.state !== 'starting') return;
      this.state = 'ready';
      this.readyAt = Date.now();
      this.lastActive = this.readyAt;
      this.initMs = m.initMs;
      this.events.ready(this);
    } else if (m.t === 'loadError') {
      this.kill(`init failed: ${m.error}`);
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    const reason = this.killReason ?? `instance crashed (${signal ? `signal ${signal}` : `exit code ${code}`})`;
    for (const call of [...this.calls.values()]) {
      this.finish(call, errorOutcome(new FaasmlError(502, reason, { instance: this.id }), this.id));
    }
    this.events.exit(this, reason);
  }
}
