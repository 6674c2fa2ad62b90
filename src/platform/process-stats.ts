// CPU time and resident memory of a process from /proc (Linux), read synchronously: these are
// tiny kernel-generated files, cheaper than spawning `ps` as pidusage does.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcessStats {
  cpuSeconds: number;
  rssBytes: number;
}

export function readProcessStats(pid: number): ProcessStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
    const rssPages = Number(fields[21]);
    return { cpuSeconds, rssBytes: rssPages * 4096 };
  } catch {
    return undefined;
  }
}
