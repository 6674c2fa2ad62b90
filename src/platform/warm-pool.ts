// Processes started ahead of demand with the runtime, TensorFlow.js and the backend already
// loaded, handed to a function when it needs an instance (like a provisioned standby). One
// pool per heap size, because --max-old-space-size can only be set when a process starts.
// The deployed functions' handler modules are imported ahead too (imports only: init() runs
// when the process becomes an instance). Taking a process tops its pool up in the background.
import type { ChildProcess } from 'node:child_process';
import type { FromInstance } from './protocol.js';
import { spawnRunner } from './runner-process.js';

const REFILL_DELAY_MS = 1000;

interface Pooled {
  proc: ChildProcess;
  warm: boolean;
  detach(): void;
}

export class WarmPool {
  private readonly pools = new Map<string, Pooled[]>();
  /** Handler modules imported ahead (no init) by the processes of each pool. */
  private readonly preload = new Map<string, Set<string>>();
  private stopped = false;

  constructor(private readonly size: number) {}

  private key(heapMiB: number | undefined): string {
    return heapMiB ? String(heapMiB) : 'default';
  }

  /** Keeps `size` processes ready for this heap size, with `handlerFile` imported ahead. */
  ensure(heapMiB: number | undefined, handlerFile?: string): void {
    if (this.stopped || this.size <= 0) return;
    const key = this.key(heapMiB);
    if (handlerFile) {
      const set = this.preload.get(key) ?? new Set<string>();
      set.add(handlerFile);
      this.preload.set(key, set);
    }
    const list = this.pools.get(key) ?? [];
    this.pools.set(key, list);
    while (list.length < this.size) list.push(this.spawn(heapMiB, list, [...(this.preload.get(key) ?? [])]));
  }

  private spawn(heapMiB: number | undefined, list: Pooled[], preload: string[]): Pooled {
    const proc = spawnRunner({ warm: true, heapMiB, env: { FAASML_PRELOAD: JSON.stringify(preload) } });
    const onMessage = (m: FromInstance) => {
      if (m.t === 'warm') entry.warm = true;
    };
    const onExit = () => {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    };
    const entry: Pooled = {
      proc,
      warm: false,
      detach: () => {
        proc.off('message', onMessage);
        proc.off('exit', onExit);
      },
    };
    proc.on('message', onMessage);
    proc.once('exit', onExit);
    // Until handed over, output is drained (nothing runs there but the runtime warm-up).
    proc.stdout?.resume();
    proc.stderr?.resume();
    return entry;
  }

  /** A pooled process (a fully warm one when there is one), or undefined when the pool is empty. */
  take(heapMiB: number | undefined): { proc: ChildProcess; warm: boolean } | undefined {
    const list = this.pools.get(this.key(heapMiB));
    if (!list || list.length === 0) return undefined;
    let i = list.findIndex((p) => p.warm);
    if (i < 0) i = 0;
    const [entry] = list.splice(i, 1);
    entry.detach();
    entry.proc.stdout?.pause();
    entry.proc.stderr?.pause();
    // Refill a little later: forking blocks the gateway's event loop for a few ms, and a
    // warming process competes for CPU with the function that just took the last one.
    setTimeout(() => this.ensure(heapMiB), REFILL_DELAY_MS).unref();
    return entry;
  }

  /** Warm processes ready now, per heap size. */
  counts(): Record<string, { warm: number; starting: number }> {
    const out: Record<string, { warm: number; starting: number }> = {};
    for (const [k, list] of this.pools) out[k] = { warm: list.filter((p) => p.warm).length, starting: list.filter((p) => !p.warm).length };
    return out;
  }

  /** Every pool full and warm (a refill may still be pending: it starts REFILL_DELAY_MS after a take). */
  isSettled(): boolean {
    return [...this.pools.values()].every((l) => l.length >= this.size && l.every((p) => p.warm));
  }

  /** Resolves when every pooled process is warm (used by benchmarks before measuring). */
  async settled(timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end && !this.isSettled()) await new Promise((r) => setTimeout(r, 50));
  }

  stop(): void {
    this.stopped = true;
    for (const list of this.pools.values()) for (const p of list.splice(0)) p.proc.kill('SIGKILL');
  }
}
