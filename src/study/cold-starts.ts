// Cold start against warm invocation: a function scaled to zero, called (the platform starts an
// instance), then called again on the instance that call left.
import { callFunction, getJson } from './invoke.js';
import { scaleToZero, type PlatformSession } from './session.js';

export interface ColdStartSample {
  functionName: string;
  startMode: string;
  kind: 'cold' | 'warm';
  seconds: number;
}

export async function measureColdStarts(session: PlatformSession, functionName: string, body: unknown, repeats: number): Promise<ColdStartSample[]> {
  const samples: ColdStartSample[] = [];
  for (let i = 0; i < repeats; i++) {
    await scaleToZero(session.url, functionName);
    await warmPoolRefilled(session.url);
    for (const expected of ['cold', 'warm'] as const) {
      const call = await callFunction(session.url, functionName, body);
      if (call.status !== 200) throw new Error(`${functionName} answered ${call.status}: ${JSON.stringify(call.body)}`);
      const kind = call.coldStart ? 'cold' : 'warm';
      if (kind !== expected) throw new Error(`${functionName}: expected a ${expected} call, the platform said ${kind}`);
      samples.push({ functionName, startMode: session.startMode, kind, seconds: call.seconds });
    }
  }
  return samples;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Waits until a warm pool has refilled after the last hand-over (GET /system/info): cold starts
 * spread out in time find a warm process, back-to-back ones would measure an empty pool.
 */
async function warmPoolRefilled(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const info = await getJson<{ warmPool?: { settled: boolean } | null }>(`${url}/system/info`);
    if (!info.warmPool || info.warmPool.settled || Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
