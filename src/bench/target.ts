// What the load generator hits: a URL with method, headers and a body, resolved from either a
// function name on a gateway or an explicit URL. Bodies can be a string, a file (`@path`) or a
// template with {{i}} / {{random}} placeholders; known functions get a default body.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ValidationError } from '../errors.js';
import { makeRng } from './rng.js';
import type { TargetInfo } from './types.js';

export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

export interface TargetOptions {
  /** A full URL; when absent the target is `functionName` on the gateway. */
  url?: string;
  functionName?: string;
  /** Gateway base URL (default FAASML_GATEWAY or http://127.0.0.1:8080). */
  gateway?: string;
  method?: string;
  headers?: Record<string, string>;
  /** "user:pass" for basic auth (also taken from user:pass@ in the URL). */
  auth?: string;
  /** The body: text, "@path" for a file, or a template with {{i}} / {{random}}. */
  body?: string | Buffer;
  seed?: number;
}

export interface Target {
  url: URL;
  /** scheme://host:port, the undici pool's origin. */
  origin: string;
  /** Path and query sent on every request. */
  path: string;
  method: string;
  headers: Record<string, string>;
  /** The request body for request number i (a constant body returns the same buffer). */
  bodyFor(i: number): Buffer | undefined;
  info: TargetInfo;
  /** The gateway to read metrics from, when the target is a function on it. */
  gateway: string | null;
}

/** Default bodies so `faasml bench lr-infer` works with nothing else. */
export function defaultBody(functionName: string, seed = 1): string | undefined {
  if (functionName === 'lr-infer') {
    return JSON.stringify({ x: Array.from({ length: 10 }, (_, i) => [i + 1, i + 2]) });
  }
  if (functionName === 'resnet-infer') {
    const rng = makeRng(seed);
    const image = Array.from({ length: 32 }, () =>
      Array.from({ length: 32 }, () => Array.from({ length: 3 }, () => Math.round(rng() * 1000) / 1000)),
    );
    return JSON.stringify({ x: [image] });
  }
  return undefined;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`"${text}" is not a URL: give one like http://127.0.0.1:8080/function/lr-infer`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`"${text}" must be an http:// or https:// URL`);
  }
  return url;
}

const TEMPLATE = /\{\{(i|random)\}\}/;

export function resolveTarget(opts: TargetOptions): Target {
  const seed = opts.seed ?? 1;
  let gateway: string | null = null;
  let url: URL;
  let functionName: string | null = null;
  if (opts.url) {
    url = parseUrl(opts.url);
  } else if (opts.functionName) {
    if (!/^[A-Za-z0-9][\w.-]*$/.test(opts.functionName)) throw new ValidationError(`"${opts.functionName}" is not a function name`);
    functionName = opts.functionName;
    gateway = (opts.gateway ?? process.env.FAASML_GATEWAY ?? DEFAULT_GATEWAY).replace(/\/+$/, '');
    url = parseUrl(`${gateway}/function/${functionName}`);
  } else {
    throw new ValidationError('give a function name (faasml bench lr-infer) or --url');
  }

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  let auth = opts.auth;
  if (url.username || url.password) {
    auth ??= `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    url.username = '';
    url.password = '';
  }
  if (auth !== undefined) {
    if (!auth.includes(':')) throw new ValidationError('--auth must be "user:password"');
    headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  }

  let bodyKind: TargetInfo['bodyKind'] = 'none';
  let text: string | Buffer | undefined = opts.body;
  if (typeof text === 'string' && text.startsWith('@')) {
    const file = text.slice(1);
    if (!existsSync(file) || !statSync(file).isFile()) throw new ValidationError(`body file "${file}" does not exist`);
    text = readFileSync(file);
    bodyKind = 'file';
  } else if (text !== undefined) {
    bodyKind = 'string';
  } else if (functionName) {
    text = defaultBody(functionName, seed);
    if (text !== undefined) bodyKind = 'default';
  }
  let bodyFor: (i: number) => Buffer | undefined = () => undefined;
  let bodyBytes = 0;
  if (text !== undefined) {
    const asString = Buffer.isBuffer(text) ? text.toString('utf8') : text;
    if (bodyKind !== 'file' && TEMPLATE.test(asString)) {
      bodyKind = 'template';
      const rng = makeRng(seed);
      const parts = asString.split(/(\{\{(?:i|random)\}\})/);
      bodyFor = (i) => Buffer.from(parts.map((p) => (p === '{{i}}' ? String(i) : p === '{{random}}' ? String(rng()) : p)).join(''));
      bodyBytes = Buffer.byteLength(asString);
    } else {
      const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
      bodyFor = () => buf;
      bodyBytes = buf.length;
    }
    if (!Object.keys(headers).includes('content-type')) {
      const trimmed = asString.trimStart();
      headers['content-type'] = trimmed.startsWith('{') || trimmed.startsWith('[') ? 'application/json' : 'application/octet-stream';
    }
  }
  const method = (opts.method ?? (text !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new ValidationError(`"${opts.method}" is not an HTTP method`);

  return {
    url,
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    method,
    headers,
    bodyFor,
    gateway,
    info: {
      url: url.toString(),
      method,
      headerNames: Object.keys(headers),
      functionName,
      gateway,
      bodyKind,
      bodyBytes,
    },
  };
}
