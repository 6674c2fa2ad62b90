// One synchronous call of a function on an OpenFaaS-compatible gateway, timed from the caller's
// side, with what faasml's headers say about the instance that served it.
import { fetch } from 'undici';

export interface Invocation {
  functionName: string;
  status: number;
  /** Request to full response, as the caller sees it. */
  seconds: number;
  /** X-Faasml-Cold-Start; null when the gateway does not say (a real OpenFaaS). */
  coldStart: boolean | null;
  instance: string | null;
  /** X-Duration-Seconds: the time the gateway measured for the call. */
  gatewaySeconds: number | null;
  body: unknown;
}

export async function callFunction(gateway: string, functionName: string, body: unknown, headers: Record<string, string> = {}): Promise<Invocation> {
  const started = performance.now();
  const res = await fetch(`${gateway.replace(/\/$/, '')}/function/${functionName}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  const seconds = (performance.now() - started) / 1000;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const cold = res.headers.get('x-faasml-cold-start');
  const duration = res.headers.get('x-duration-seconds');
  return {
    functionName,
    status: res.status,
    seconds,
    coldStart: cold === null ? null : cold === 'true',
    instance: res.headers.get('x-faasml-instance'),
    gatewaySeconds: duration === null ? null : Number(duration),
    body: parsed,
  };
}

/** GET a JSON document from the gateway (its /system/* API). */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}
