// Talking to a running gateway over HTTP (the CLI's ps, invoke and down; notebooks may use it
// too): OpenFaaS-compatible calls with optional basic auth.
import { FaasmlError } from '../errors.js';

export interface GatewayClientOptions {
  gateway: string;
  /** "user:password" for basic auth on /system/*. */
  auth?: string;
}

export interface InvokeOptions {
  data?: string | Buffer;
  method?: string;
  headers?: Record<string, string>;
  async?: boolean;
  callbackUrl?: string;
}

export interface InvokeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function authHeader(auth?: string): Record<string, string> {
  return auth ? { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
}

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new FaasmlError(503, `cannot reach the gateway at ${new URL(url).origin}${cause ? ` (${cause})` : ''}; is 'faasml up' running?`);
  }
}

export async function systemGet<T>(opts: GatewayClientOptions, path: string): Promise<T> {
  const r = await request(`${opts.gateway.replace(/\/$/, '')}${path}`, { headers: authHeader(opts.auth) });
  const text = await r.text();
  if (!r.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { error: string }).error;
    } catch {
      /* plain text */
    }
    throw new FaasmlError(r.status, `gateway answered ${r.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

export async function invokeFunction(opts: GatewayClientOptions, name: string, inv: InvokeOptions): Promise<InvokeResponse> {
  const base = opts.gateway.replace(/\/$/, '');
  const headers: Record<string, string> = { ...(inv.headers ?? {}) };
  if (inv.data !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    const text = inv.data.toString();
    try {
      JSON.parse(text);
      headers['content-type'] = 'application/json';
    } catch {
      headers['content-type'] = 'application/octet-stream';
    }
  }
  if (inv.callbackUrl) headers['x-callback-url'] = inv.callbackUrl;
  const method = inv.async ? 'POST' : (inv.method ?? (inv.data !== undefined ? 'POST' : 'GET')).toUpperCase();
  const r = await request(`${base}/${inv.async ? 'async-function' : 'function'}/${name}`, {
    method,
    headers,
    body: inv.data === undefined || method === 'GET' || method === 'HEAD' ? undefined : inv.data,
  });
  const out: Record<string, string> = {};
  r.headers.forEach((v, k) => (out[k] = v));
  return { status: r.status, headers: out, body: await r.text() };
}
