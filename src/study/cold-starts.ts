// Cold start against warm invocation: a function scaled to zero, called (the platform starts an
// instance), then called again on the instance that call left.
import { callFunction } from './invoke.js';
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
