// Several runs side by side, level by level: throughput, average and p95 latency, error %, and
// each run's ratio to the first (the baseline).
import { ValidationError } from '../errors.js';
import { fmt } from './results.js';
import type { LevelSummary, RunResult } from './types.js';

export interface CompareCell {
  throughput: number;
  avgMs: number;
  p95Ms: number;
  errorPct: number;
  /** This run's value divided by the baseline's (null when the baseline lacks the level or is 0). */
  throughputRatio: number | null;
  avgRatio: number | null;
  p95Ratio: number | null;
}

export interface CompareRow {
  level: number;
  mode: string;
  /** One cell per run, in the order given; null where the run has no such level. */
  cells: (CompareCell | null)[];
}

export interface Comparison {
  runs: { id: string; label: string; target: string; dir?: string }[];
  rows: CompareRow[];
}

function ratio(a: number, base: number | undefined): number | null {
  return base !== undefined && base > 0 ? a / base : null;
}

export function compareRuns(runs: RunResult[], dirs?: string[]): Comparison {
  if (runs.length === 0) throw new ValidationError('compare needs at least one run directory');
  const keys = new Map<string, { level: number; mode: string }>();
  for (const r of runs) for (const l of r.levels) keys.set(`${l.mode}:${l.level}`, { level: l.level, mode: l.mode });
  const sorted = [...keys.values()].sort((a, b) => (a.mode === b.mode ? a.level - b.level : a.mode < b.mode ? -1 : 1));
  const find = (r: RunResult, k: { level: number; mode: string }): LevelSummary | undefined => r.levels.find((l) => l.level === k.level && l.mode === k.mode);
  const rows = sorted.map((k) => {
    const base = find(runs[0], k);
    return {
      level: k.level,
      mode: k.mode,
      cells: runs.map((r) => {
        const l = find(r, k);
        if (!l) return null;
        return {
          throughput: l.throughput,
          avgMs: l.latency.avg,
          p95Ms: l.latency.p95,
          errorPct: l.errorPct,
          throughputRatio: ratio(l.throughput, base?.throughput),
          avgRatio: ratio(l.latency.avg, base?.latency.avg),
          p95Ratio: ratio(l.latency.p95, base?.latency.p95),
        };
      }),
    };
  });
  return {
    runs: runs.map((r, i) => ({ id: r.id, label: r.settings.label, target: r.target.url, dir: dirs?.[i] })),
    rows,
  };
}

/** A header and rows for a text table: per run, req/s, avg, p95, err% and ratios to the first run. */
export function comparisonTable(c: Comparison): { header: string[]; rows: string[][] } {
  const header = ['level'];
  const labels = c.runs.map((r) => r.label || r.id);
  c.runs.forEach((r, i) => {
    // Runs with the same label are told apart by their position.
    const name = labels.filter((l) => l === labels[i]).length > 1 ? `${labels[i]}#${i + 1}` : labels[i];
    header.push(`${name} req/s`, `${name} avg`, `${name} p95`, `${name} err%`);
    if (i > 0) header.push(`${name} x req/s`, `${name} x p95`);
  });
  const x = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}x`);
  const rows = c.rows.map((row) => {
    const out = [`${row.level}${row.mode === 'open' ? '/s' : ''}`];
    row.cells.forEach((cell, i) => {
      if (!cell) out.push('-', '-', '-', '-');
      else out.push(fmt(cell.throughput), fmt(cell.avgMs, 2), fmt(cell.p95Ms, 2), fmt(cell.errorPct, 2));
      if (i > 0) out.push(cell ? x(cell.throughputRatio) : '-', cell ? x(cell.p95Ratio) : '-');
    });
    return out;
  });
  return { header, rows };
}
