// Function logs as the instances wrote them: <stateDir>/logs/<name>.log, one line each,
// "<time> <function> <instance> <call id|-> <text>". Read whole, filtered by call id, or followed.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, watchFile, unwatchFile } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../errors.js';

export function logFile(stateDir: string, name: string): string {
  return join(stateDir, 'logs', `${name}.log`);
}

function matches(line: string, callId?: string): boolean {
  if (!line) return false;
  return callId === undefined || line.split(' ', 5)[3] === callId;
}

/** The log lines of a function (optionally of one call), the last `tail` of them when given. */
export function readLogs(stateDir: string, name: string, opts: { callId?: string; tail?: number } = {}): string[] {
  const file = logFile(stateDir, name);
  if (!existsSync(file)) throw new NotFoundError(`no logs for function ${name} in ${join(stateDir, 'logs')}`);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => matches(l, opts.callId));
  return opts.tail !== undefined ? lines.slice(-opts.tail) : lines;
}

/** Calls `onLine` for each line appended from now on; returns a function that stops following. */
export function followLogs(stateDir: string, name: string, onLine: (line: string) => void, opts: { callId?: string } = {}): () => void {
  const file = logFile(stateDir, name);
  let offset = existsSync(file) ? statSync(file).size : 0;
  let partial = '';
  const poll = () => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size < offset) offset = 0; // truncated
    if (size === offset) return;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const lines = (partial + buf.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (matches(l, opts.callId)) onLine(l);
  };
  watchFile(file, { interval: 250 }, poll);
  return () => unwatchFile(file, poll);
}
