// Per-level numbers from the measured requests: percentiles from an HDR histogram (microsecond
// resolution, 3 significant digits), exact min/max/average, errors grouped by kind, and the
// server samples averaged over the level.
import * as hdr from 'hdr-histogram-js';
import { estimateCost } from './cost.js';
import type { LatencyStats, LevelSummary, LoadMode, RequestRecord, Sample } from './types.js';

export const SATURATION_SHARE = 0.9;

export function latencyStats(latenciesMs: number[]): LatencyStats {
  if (latenciesMs.length === 0) return { avg: 0, min: 0, max: 0, p50: 0, p90: 0, p95: 0, p99: 0 };
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const ms of latenciesMs) {
    h.recordValue(Math.max(1, Math.round(ms * 1000)));
    sum += ms;
    if (ms < min) min = ms;
    if (ms > max) max = ms;
  }
  const p = (q: number) => Math.min(max, h.getValueAtPercentile(q) / 1000);
  const stats = { avg: sum / latenciesMs.length, min, max, p50: p(50), p90: p(90), p95: p(95), p99: p(99) };
  h.destroy();
  return stats;
}

function avgOf(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function maxOf(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
}

/** A missing or broken price table must not lose a run's measurements: no cost then. */
function costOrNothing(durationMs: number, memoryMb: number): LevelSummary['costPerMillion'] {
  try {
    return estimateCost({ durationMs, memoryMb, requests: 1_000_000 });
  } catch {
    return [];
  }
}

export interface SummaryInput {
  mode: LoadMode;
  level: number;
  /** Requests that started in the measured window (warm-up already left out). */
  records: RequestRecord[];
  measureStart: number;
  end: number;
  samples: Sample[];
  generatorCpu: number;
  memoryMb: number;
}

export function summarizeLevel(input: SummaryInput): LevelSummary {
  const interrupted = input.records.filter((r) => r.errorKind === 'interrupted').length;
  const records = input.records.filter((r) => r.errorKind !== 'interrupted');
  const ok = records.filter((r) => !r.error);
  const errorsByKind: Record<string, number> = {};
  const examples = new Set<string>();
  for (const r of records) {
    if (!r.error) continue;
    errorsByKind[r.errorKind] = (errorsByKind[r.errorKind] ?? 0) + 1;
    if (examples.size < 5) examples.add(r.error.slice(0, 200));
  }
  const errors = records.length - ok.length;
  const measuredSeconds = Math.max(1e-9, (input.end - input.measureStart) / 1000);
  const latency = latencyStats((ok.length ? ok : records.filter((r) => r.errorKind !== 'not_sent')).map((r) => r.latencyMs));
  const samples = input.samples;
  return {
    mode: input.mode,
    level: input.level,
    requests: records.length,
    successes: ok.length,
    errors,
    errorPct: records.length ? (100 * errors) / records.length : 0,
    errorsByKind,
    errorExamples: [...examples],
    throughput: records.filter((r) => r.errorKind !== 'not_sent').length / measuredSeconds,
    latency,
    coldStarts: records.filter((r) => r.coldStart === true).length,
    instancesSeen: new Set(records.map((r) => r.instance).filter((x) => x !== null)).size,
    measuredSeconds,
    generatorCpu: input.generatorCpu,
    generatorSaturated: input.generatorCpu > SATURATION_SHARE,
    notSent: errorsByKind.not_sent ?? 0,
    interrupted,
    cpuPlatformAvg: avgOf(samples.map((s) => s.cpuPlatform)),
    cpuMachineAvg: avgOf(samples.map((s) => s.cpuMachine)),
    rssMaxBytes: maxOf(samples.map((s) => s.rssBytes)),
    instancesMax: maxOf(samples.map((s) => s.instances)),
    queueDepthMax: maxOf(samples.map((s) => s.queueDepth)),
    costPerMillion: ok.length ? costOrNothing(latency.avg, input.memoryMb) : [],
  };
}
