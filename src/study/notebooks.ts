// Executes the notebooks headless, in order, with nbconvert and the project's tslab kernel.
// Each notebook is executed in place unless an output folder is given (the saved outputs are what
// JupyterLab then shows); a failure
// names the notebook and the cell, and shows the cell's source and error.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { NotFoundError } from '../errors.js';
import { projectRoot } from '../paths.js';

export interface NotebookRun {
  notebook: string;
  seconds: number;
  ok: boolean;
  error?: string;
}

export function listNotebooks(dir = join(projectRoot(), 'notebooks')): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export class NotebookError extends Error {}

/** What bin/run-notebook.py said about the failed cell (the last lines of anything else). */
export function describeFailure(stderr: string): string {
  const at = stderr.search(/^cell \d+ \(code cell \d+\) failed:/m);
  return at < 0 ? stderr.trim().split('\n').slice(-15).join('\n') : stderr.slice(at).trim();
}

/** The Python that has Jupyter: the one bin/setup registered the kernel for. */
export function jupyterPython(): string {
  const kernel = join(projectRoot(), '.jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
  if (!existsSync(kernel)) throw new NotebookError('the tslab kernel is not registered: run bin/setup (or make setup) first');
  return process.env.FAASML_JUPYTER_PYTHON ?? readFileSync(join(projectRoot(), '.jupyter', 'python'), 'utf8').trim();
}

export async function runNotebook(path: string, opts: { quick?: boolean; timeoutSeconds?: number; outputDir?: string } = {}): Promise<NotebookRun> {
  if (!existsSync(path)) throw new NotFoundError(`no notebook at ${path}`);
  const root = projectRoot();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FAASML_ROOT: root,
    JUPYTER_PATH: [join(root, '.jupyter', 'share', 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(':'),
  };
  if (opts.quick) env.FAASML_PROFILE = 'quick';
  const output = opts.outputDir ? join(opts.outputDir, basename(path)) : path;
  const args = [join(root, 'bin', 'run-notebook.py'), path, output, String(opts.timeoutSeconds ?? -1)];
  const started = Date.now();
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn(jupyterPython(), args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new NotebookError(`cannot run Jupyter's Python (${e.message}); run bin/setup first`)));
    child.on('close', (c) => resolve({ code: c ?? 1, stderr: err }));
  });
  const seconds = (Date.now() - started) / 1000;
  return code === 0 ? { notebook: path, seconds, ok: true } : { notebook: path, seconds, ok: false, error: describeFailure(stderr) };
}

/** Runs notebooks in order and stops at the first failure. */
export async function runNotebooks(paths: string[], opts: { quick?: boolean; outputDir?: string; onStart?: (p: string) => void; onDone?: (r: NotebookRun) => void } = {}): Promise<NotebookRun[]> {
  const runs: NotebookRun[] = [];
  for (const p of paths) {
    opts.onStart?.(p);
    const run = await runNotebook(p, opts);
    runs.push(run);
    opts.onDone?.(run);
    if (!run.ok) break;
  }
  return runs;
}
