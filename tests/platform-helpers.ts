// Shared by the platform tests: fixture function paths, a temp state dir, a platform started
// in-process on a free port (cold start mode: fixtures need no TensorFlow.js).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FunctionSpec, type Platform, type PlatformOptions, startPlatform } from '../src/platform/index.js';

export const FIXTURES = resolve('tests/fixtures/functions');

export function fixture(name: string, extra: Partial<FunctionSpec> = {}): FunctionSpec {
  return { name, handler: join(FIXTURES, name), ...extra };
}

export function tempDir(prefix = 'faasml-platform-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function start(functions: FunctionSpec[], opts: PlatformOptions = {}): Promise<Platform & { cleanup(): Promise<void> }> {
  const dir = tempDir();
  const p = await startPlatform({ port: 0, stateDir: dir, startMode: 'cold', functions, onWarning: () => {}, ...opts });
  return Object.assign(p, {
    cleanup: async () => {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export async function call(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string; json: () => any }> {
  const r = await fetch(url, init);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return call(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, stepMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Sum of a Prometheus counter's samples, by label value of `by`. */
export function counterBy(metricsText: string, name: string, by: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = new RegExp(`${by}="([^"]*)"`).exec(line);
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (m) out[m[1]] = (out[m[1]] ?? 0) + value;
  }
  return out;
}
