// Every 250 ms while the load runs: the platform's CPU (gateway + instances, share of ALL cores)
// and memory, the machine's CPU, instance count and queue depth, and the generator's own CPU.
// The platform is read over HTTP only: the gateway's pid from /system/info and instance pids from
// /system/functions (then /proc/<pid>/stat), else counters from /metrics
// (process_cpu_seconds_total, faasml_instance_cpu_seconds_total, faasml_instance_rss_bytes). A remote target gets the client's view only.
import { cpus } from 'node:os';
import { request } from 'undici';
import { machineBusy, readMachineStat, readProcessStat, CLOCK_TICKS, type MachineStat, type ProcessStat } from '../procfs.js';
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
  private infoReadAt = -Infinity;
  private readonly cores = Math.max(1, cpus().length);
  private readonly local: boolean;

  constructor(private readonly opts: SamplerOptions) {
    this.local = opts.gateway !== null && isLocalHost(opts.gateway);
  }

  /** True when the gateway runs inside this process: its CPU then includes the generator's. */
  get sharesProcess(): boolean {
    return this.gatewayPids.has(process.pid);
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

    // The platform = the gateway + its instances. Each part comes from /proc when its pids are
    // known (local gateway), else from the gateway's counters in /metrics.
    const instancePids = new Set([...pids].filter((p) => !this.gatewayPids.has(p)));
    const procNow = new Map<number, ProcessStat>();
    const fromProc = (set: Set<number>): { seconds: number; rss: number } | null => {
      let ticks = 0;
      let rss = 0;
      let seen = 0;
      for (const pid of set) {
        const st = readProcessStat(pid);
        if (!st) continue;
        seen++;
        procNow.set(pid, st);
        rss += st.rssBytes;
        const before = this.lastProc.get(pid);
        if (before) ticks += Math.max(0, st.cpuTicks - before.cpuTicks);
      }
      return seen ? { seconds: ticks / CLOCK_TICKS, rss } : null;
    };
    const counters = new Map<string, number>();
    const fromMetrics = (cpuName: string, rssName: string): { seconds: number; rss: number } | null => {
      if (!metrics) return null;
      const series = seriesOf(metrics, cpuName);
      if (!series.length) return null;
      let seconds = 0;
      for (const s of series) {
        const key = seriesKey(s);
        counters.set(key, s.value);
        const before = this.lastCounters.get(key);
        if (before !== undefined) seconds += Math.max(0, s.value - before);
      }
      return { seconds, rss: sumOf(metrics, rssName) ?? 0 };
    };
    const parts: { seconds: number; rss: number; source: 'proc' | 'metrics' }[] = [];
    const addPart = (r: { seconds: number; rss: number } | null, source: 'proc' | 'metrics') => r && parts.push({ ...r, source });
    if (!addPart(this.local ? fromProc(this.gatewayPids) : null, 'proc')) addPart(fromMetrics('process_cpu_seconds_total', 'process_resident_memory_bytes'), 'metrics');
    if (!addPart(this.local ? fromProc(instancePids) : null, 'proc')) addPart(fromMetrics('faasml_instance_cpu_seconds_total', 'faasml_instance_rss_bytes'), 'metrics');
    this.lastProc = procNow;
    this.lastCounters = counters;

    let cpuPlatform: number | null = null;
    let rssBytes: number | null = null;
    let cpuSource: Sample['cpuSource'] = 'none';
    if (parts.length) {
      cpuPlatform = Math.min(1, parts.reduce((a, p) => a + p.seconds, 0) / dtSec / this.cores);
      const rss = parts.reduce((a, p) => a + p.rss, 0);
      rssBytes = rss > 0 ? rss : null;
      const sources = new Set(parts.map((p) => p.source));
      cpuSource = sources.size > 1 ? 'mixed' : parts[0].source;
    }
    let instances: number | null = null;
    let instancesByState: Record<string, number> | null = null;
    let queueDepth: number | null = null;
    if (metrics) {
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
