// Helpers shared by the platform benchmarks: child servers pinned with taskset, wrk runs
// parsed into numbers, waiting for a URL to answer, and a trained model to serve.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function pinned(core: string, cmd: string, args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn('taskset', ['-c', core, cmd, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
}

export async function waitUntilOk(url: string, body: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      last = `${r.status} ${await r.text()}`;
      if (r.ok) return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never answered 200 (last: ${last})`);
}

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

function toMs(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[m[2]];
}

export function wrk(url: string, body: string, connections: number, seconds: number, core = '1', dir = '/tmp'): Promise<WrkResult> {
  const script = join(dir, 'faasml-post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`);
  return new Promise((resolve, reject) => {
    execFile('taskset', ['-c', core, 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], (err, stdout) => {
      if (err) return reject(err);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
      const p50 = /\s50%\s+([\d.]+\w+)/.exec(stdout)?.[1] ?? '';
      const p99 = /\s99%\s+([\d.]+\w+)/.exec(stdout)?.[1] ?? '';
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
      const sockErr = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const errors = non2xx + (sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
      resolve({ rps, p50ms: toMs(p50), p99ms: toMs(p99), errors });
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

/** Trains the models the inference functions serve, with the training handlers in this process. */
export async function trainModels(modelsDir: string, which: ('lr' | 'resnet')[]): Promise<void> {
  const { buildEvent } = await import('../src/contract.js');
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  for (const kind of which) {
    const fn = kind === 'lr' ? 'lr-train' : 'resnet-train';
    const mod = (await import(`../functions/${fn}/handler.js`)) as typeof import('../functions/lr-train/handler.js');
    const ctx = { functionName: fn, instanceId: 'bench', remainingTimeMs: () => Infinity, modelsDir, env: process.env, log };
    await mod.init?.(ctx);
    const body = kind === 'lr' ? { epochs: 5, samples: 1000 } : { images: 10, batchSize: 10, epochs: 1 };
    await mod.handle(buildEvent({ body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' }, method: 'POST' }), ctx);
  }
}

/** One 32×32×3 image as 3072 numbers in 0..1 (resnet-infer's `x`). */
export function sampleImage(seed = 1): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < 3072; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(Math.round((s / 2147483648) * 1000) / 1000);
  }
  return out;
}

/**
 * benchmarks/servers/delay-server.ts in a process of its own (pinned to `core` when given),
 * resolved once it prints the port it listens on.
 */
export async function startDelayServerProcess(args: string[], core?: string): Promise<{ url: string; child: ChildProcess }> {
  const server = join(import.meta.dirname, 'servers', 'delay-server.ts');
  const cmd = [process.execPath, '--import', 'tsx', server, '--port', '0', ...args];
  const child = core ? spawn('taskset', ['-c', core, ...cmd], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`delay server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}
