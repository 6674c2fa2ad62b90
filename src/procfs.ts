// Readers for Linux's /proc: a process's CPU ticks and resident memory, and the machine's CPU
// counters. Each returns null where /proc is missing (another OS) or the process is gone.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on Linux x86 and arm64). */
export const CLOCK_TICKS = 100;
export const PAGE_BYTES = 4096;

export interface ProcessStat {
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  rssBytes: number;
}

export function readProcessStat(pid: number): ProcessStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, rss 24.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rss = Number(fields[21]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return { cpuTicks: utime + stime, rssBytes: rss * PAGE_BYTES };
  } catch {
    return null;
  }
}

export interface MachineStat {
  /** All CPU ticks summed over every core. */
  total: number;
  /** Idle + iowait ticks. */
  idle: number;
}

export function readMachineStat(): MachineStat | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    return { total, idle: (v[3] ?? 0) + (v[4] ?? 0) };
  } catch {
    return null;
  }
}

/** Busy share of all cores between two readings, 0..1. */
export function machineBusy(a: MachineStat, b: MachineStat): number | null {
  const total = b.total - a.total;
  if (total <= 0) return null;
  return Math.min(1, Math.max(0, 1 - (b.idle - a.idle) / total));
}
