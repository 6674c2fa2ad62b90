// Parsers for the units stack files use: Kubernetes memory quantities (512Mi, 2Gi, 1G),
// CPU quantities (1, 0.5, 500m) and Go-style durations (30s, 5m, 1h30m, 250ms), as OpenFaaS
// accepts them. Each returns undefined on a malformed value so callers name the key in the error.

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes of a memory quantity like "512Mi", "2Gi", "1G" or "1048576". */
export function parseMemory(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|k|K|M|G|T)?\s*$/.exec(value);
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * MEMORY_UNITS[m[2] ?? '']);
  return bytes > 0 ? bytes : undefined;
}

/** Cores of a CPU quantity like "1", "0.5" or "500m". */
export function parseCpu(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)(m)?\s*$/.exec(value);
  if (!m) return undefined;
  const cores = Number(m[1]) / (m[2] ? 1000 : 1);
  return cores > 0 ? cores : undefined;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration ("30s", "1m30s", "250ms"); a bare number means seconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let ms = 0;
  for (const part of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(part[1]) * DURATION_UNITS[part[2]];
  return ms;
}

/** "1m30s"-style text for a number of milliseconds, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}
