// Starting the Node process behind an instance: the runner script through tsx, Node IPC with
// advanced serialization, a heap cap from the memory limit, and CPU affinity with taskset.
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

export interface RunnerOptions {
  /** Import TensorFlow.js and initialise the backend before a function is handed over. */
  warm: boolean;
  heapMiB?: number;
  env?: Record<string, string>;
  instanceId?: string;
}

export function runnerPath(): string {
  return join(projectRoot(), 'src', 'platform', 'instance-runner.ts');
}

/** V8's old space a bit under the memory limit, so the RSS watch and the heap cap agree. */
export function heapForMemory(bytes: number | undefined): number | undefined {
  if (!bytes) return undefined;
  return Math.max(32, Math.floor((bytes / 1024 / 1024) * 0.85));
}

export function spawnRunner(opts: RunnerOptions): ChildProcess {
  const execArgv = ['--import', 'tsx'];
  if (opts.heapMiB) execArgv.push(`--max-old-space-size=${opts.heapMiB}`);
  return fork(runnerPath(), [], {
    execArgv,
    // `--import tsx` resolves from the working directory: the project root has it.
    cwd: projectRoot(),
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      ...opts.env,
      FAASML_WARM: opts.warm ? '1' : '0',
      ...(opts.instanceId ? { FAASML_INSTANCE_ID: opts.instanceId } : {}),
    },
  });
}

let nextCore = 0;

/**
 * Pins every thread of `pid` to ceil(cpu) cores: the cores least used by the function's other
 * instances (`siblings`, their core lists), so that two instances of one function never share a
 * core while another is free; ties rotate between instances of all functions.
 */
export function chooseCores(cpu: number, siblings: string[] = []): string {
  const total = availableParallelism();
  const count = Math.min(total, Math.max(1, Math.ceil(cpu)));
  const used = new Array<number>(total).fill(0);
  for (const list of siblings) for (const c of list.split(',').filter(Boolean)) used[Number(c) % total]++;
  const order = Array.from({ length: total }, (_, i) => (nextCore + i) % total).sort((a, b) => used[a] - used[b]);
  const cores = order.slice(0, count).sort((a, b) => a - b);
  nextCore = (nextCore + count) % total;
  return cores.join(',');
}

/** Pins every thread of `pid` to the cores in `list` ("0" or "0,1"); resolves '' when taskset failed. */
export function pinToCores(pid: number, list: string): Promise<string> {
  return new Promise((resolve) => {
    execFile('taskset', ['-a', '-p', '-c', list, String(pid)], (err) => resolve(err ? '' : list));
  });
}
