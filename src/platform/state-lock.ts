// One running gateway per state directory: `gateway.lock` holds its pid, port and url. A lock
// whose pid is dead is stale and taken over; a live one makes a second `faasml up` refuse.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LockInfo {
  pid: number;
  port?: number;
  url?: string;
  startedAt: string;
}

// State directories this process holds (a second platform in the same process must refuse too).
const heldHere = new Set<string>();

export function lockPath(stateDir: string): string {
  return join(stateDir, 'gateway.lock');
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(stateDir: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(lockPath(stateDir), 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws a message naming the running gateway. */
export function acquireLock(stateDir: string): LockInfo {
  mkdirSync(stateDir, { recursive: true });
  const file = lockPath(stateDir);
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      heldHere.add(stateDir);
      return info;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readLock(stateDir);
      const live = held && (held.pid === process.pid ? heldHere.has(stateDir) : isAlive(held.pid));
      if (held && live) {
        throw new Error(`state directory ${stateDir} is in use by a running faasml gateway (pid ${held.pid}${held.url ? `, ${held.url}` : ''}); stop it with 'faasml down --state-dir ${stateDir}' or use another --state-dir`);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

export function updateLock(stateDir: string, info: LockInfo): void {
  writeFileSync(lockPath(stateDir), JSON.stringify(info));
}

export function releaseLock(stateDir: string): void {
  const held = readLock(stateDir);
  if (held?.pid === process.pid) rmSync(lockPath(stateDir), { force: true });
  heldHere.delete(stateDir);
}
