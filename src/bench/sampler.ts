// Every 250 ms while the load runs: the platform's CPU (gateway + instances, share of ALL cores)
// and memory, the machine's CPU, instance count and queue depth, and the generator's own CPU.
// The platform is read over HTTP only: pids from /system/info and /system/functions (then
// /proc/<pid>/stat), else counters from /metrics. A remote target gets the client's view only.
import { cpus } from 'node:os';
import { request } from 'undici';
import { machineBusy, readMachineStat, readProcessStat, CLOCK_TICKS, type MachineStat, type ProcessStat } from './procfs.js';
import { parsePrometheus, seriesKey, seriesOf, sumOf, type Series } from './prometheus.js';
import type { Sample } from './types.js';

export const SAMPLE_INTERVAL_MS = 250;

/** Every number found under a key named `pid` (or in a `pids` list), anywhere in a JSON value. */
export function collectPids(value: unknown, out = new Set<number>()): Set<number> {
  if (Array.isArray(value)) for (const v of value) collectPids(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const key = k.toLowerCase();
      if ((key === 'pid' || key.endsWith('pid')) && typeof v === 'number' && Number.isInteger(v) && v > 0) {
        out.add(v);
      } else if (key === 'pids' && Array.isArray(v)) {
        for (const p of v) if (Number.isInteger(p) && p > 0) out.add(p);
      } else {
        collectPids(v, out);
      }
    }
  }
  return out;
}

async function getText(url: string, timeoutMs: number): Promise<string | null> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const text = await res.body.text();
    return res.statusCode >= 200 && res.statusCode < 300 ? text : null;
  } catch {
    return null;
  }
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const text = await getText(url, timeoutMs);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isLocalHost(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h === '::1';
  } catch {
    return false;
  }
}

const CPU_COUNTERS = ['faasml_instance_cpu_seconds_total', 'process_cpu_seconds_total'];

export interface SamplerOptions {
  /** Gateway base URL, or null for the client's view only. */
  gateway: string | null;
  intervalMs?: number;
  onSample?: (s: Sample) => void;
}

export class Sampler {
  readonly samples: Sample[] = [];
  private level = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private lastAt = 0;
  private lastMachine: MachineStat | null = null;
  private lastProc = new Map<number, ProcessStat>();
  private lastCounters = new Map<string, number>();
  private lastCpu = process.cpuUsage();
  private gatewayPids = new Set<number>();
  private infoReadAt = 0;
  private readonly cores = Math.max(1, cpus().length);
  private readonly local: boolean;

  constructor(private readonly opts: SamplerOptions) {
    this.local = opts.gateway !== null && isLocalHost(opts.gateway);
  }

  setLevel(level: number): void {
    this.level = level;
  }

  start(): void {
    if (this.timer) return;
    this.lastAt = performance.now();
    this.lastMachine = readMachineStat();
    this.lastCpu = process.cpuUsage();
    void this.tick(true);
    this.timer = setInterval(() => void this.tick(false), this.opts.intervalMs ?? SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
  }

  private async tick(primeOnly: boolean): Promise<void> {
    // A slow gateway must not pile up scrapes: skip this tick when the last one still runs.
    if (this.busy) return;
    this.busy = true;
    try {
      const s = await this.read();
      if (!primeOnly) {
        this.samples.push(s);
        this.opts.onSample?.(s);
      }
    } finally {
      this.busy = false;
    }
  }

  private async read(): Promise<Sample> {
    const gw = this.opts.gateway;
    let metrics: Series[] | null = null;
    let pids = new Set<number>();
    if (gw) {
      const timeout = (this.opts.intervalMs ?? SAMPLE_INTERVAL_MS) * 4;
      const wantInfo = this.local && performance.now() - this.infoReadAt > 5000;
      const [text, functions, info] = await Promise.all([
        getText(`${gw}/metrics`, timeout),
        this.local ? getJson(`${gw}/system/functions`, timeout) : null,
        wantInfo ? getJson(`${gw}/system/info`, timeout) : null,
      ]);
      if (wantInfo) {
        this.infoReadAt = performance.now();
        if (info) this.gatewayPids = collectPids(info);
      }
      metrics = text === null ? null : parsePrometheus(text);
      pids = new Set([...this.gatewayPids, ...collectPids(functions)]);
    }

    const nowPerf = performance.now();
    const dtSec = Math.max(1e-6, (nowPerf - this.lastAt) / 1000);
    this.lastAt = nowPerf;

    const cpu = process.cpuUsage();
    const cpuGenerator = (cpu.user - this.lastCpu.user + cpu.system - this.lastCpu.system) / 1e6 / dtSec;
    this.lastCpu = cpu;

    const machine = readMachineStat();
    const cpuMachine = machine && this.lastMachine ? machineBusy(this.lastMachine, machine) : null;
    this.lastMachine = machine;

    let cpuPlatform: number | null = null;
    let rssBytes: number | null = null;
    let cpuSource: Sample['cpuSource'] = 'none';
    if (pids.size > 0) {
      const now = new Map<number, ProcessStat>();
      let ticks = 0;
      let rss = 0;
      for (const pid of pids) {
        const st = readProcessStat(pid);
        if (!st) continue;
        now.set(pid, st);
        rss += st.rssBytes;
        const before = this.lastProc.get(pid);
        if (before) ticks += Math.max(0, st.cpuTicks - before.cpuTicks);
      }
      this.lastProc = now;
      if (now.size > 0) {
        cpuPlatform = Math.min(1, ticks / CLOCK_TICKS / dtSec / this.cores);
        rssBytes = rss;
        cpuSource = 'proc';
      }
    }
    let instances: number | null = null;
    let instancesByState: Record<string, number> | null = null;
    let queueDepth: number | null = null;
    if (metrics) {
      if (cpuSource === 'none') {
        const current = new Map<string, number>();
        let seconds = 0;
        let any = false;
        for (const name of CPU_COUNTERS) {
          for (const s of seriesOf(metrics, name)) {
            any = true;
            const key = seriesKey(s);
            current.set(key, s.value);
            const before = this.lastCounters.get(key);
            if (before !== undefined) seconds += Math.max(0, s.value - before);
          }
        }
        this.lastCounters = current;
        if (any) {
          cpuPlatform = Math.min(1, seconds / dtSec / this.cores);
          cpuSource = 'metrics';
        }
        const rss = (sumOf(metrics, 'process_resident_memory_bytes') ?? 0) + (sumOf(metrics, 'faasml_instance_resident_memory_bytes') ?? 0);
        rssBytes = rss > 0 ? rss : null;
      }
      const inst = seriesOf(metrics, 'faasml_instances');
      if (inst.length) {
        instancesByState = {};
        for (const s of inst) {
          const state = s.labels.state ?? 'all';
          instancesByState[state] = (instancesByState[state] ?? 0) + s.value;
        }
        instances = Object.values(instancesByState).reduce((a, b) => a + b, 0);
      }
      queueDepth = sumOf(metrics, 'faasml_queue_depth');
    }
    return { t: performance.timeOrigin + nowPerf, level: this.level, cpuPlatform, cpuMachine, cpuGenerator, rssBytes, instances, instancesByState, queueDepth, cpuSource };
  }
}
