// targets.yml: the deployed endpoints benchmarks and notebooks compare. A list (or
// `targets:` holding a list) of { label, platform, url, headers?, functions } where functions
// maps a workload to its path under url. Header values may name environment variables as
// ${NAME} (function keys stay out of the file). Every error names the file and the key.
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { NotFoundError, ValidationError } from '../errors.js';

export const TARGET_PLATFORMS = ['azure', 'openfaas', 'faasml'] as const;
export type TargetPlatform = (typeof TARGET_PLATFORMS)[number];
/** Workloads a target can name (the inference functions are what benchmarks hit). */
export const TARGET_FUNCTIONS = ['lr-infer', 'resnet-infer', 'lr-train', 'resnet-train'] as const;
export type TargetFunction = (typeof TARGET_FUNCTIONS)[number];

export interface Target {
  label: string;
  platform: TargetPlatform;
  /** Base URL, without a trailing slash. */
  url: string;
  headers: Record<string, string>;
  /** Workload → path under url (starting with '/'). */
  functions: Partial<Record<TargetFunction, string>>;
}

function fail(file: string, key: string, message: string): never {
  throw new ValidationError(`${file}: ${key}: ${message}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function expandEnv(value: string, file: string, key: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) fail(file, key, `environment variable ${name} is not set`);
    return v;
  });
}

function parseTarget(raw: unknown, file: string, at: string, env: Record<string, string | undefined>): Target {
  if (!isRecord(raw)) fail(file, at, 'must be a mapping with label, platform, url and functions');
  const known = new Set(['label', 'platform', 'url', 'headers', 'functions']);
  for (const k of Object.keys(raw)) if (!known.has(k)) fail(file, `${at}.${k}`, `unknown key (expected ${[...known].join(', ')})`);

  const label = raw.label;
  if (typeof label !== 'string' || label.trim() === '') fail(file, `${at}.label`, 'must be a non-empty string');
  const platform = raw.platform;
  if (typeof platform !== 'string' || !(TARGET_PLATFORMS as readonly string[]).includes(platform)) {
    fail(file, `${at}.platform`, `must be one of ${TARGET_PLATFORMS.join(', ')} (got ${JSON.stringify(platform)})`);
  }
  if (typeof raw.url !== 'string') fail(file, `${at}.url`, 'must be an http(s) URL string');
  let url: URL;
  try {
    url = new URL(expandEnv(raw.url, file, `${at}.url`, env));
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    fail(file, `${at}.url`, `'${raw.url}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(file, `${at}.url`, `must use http or https, not ${url.protocol}`);

  const headers: Record<string, string> = {};
  if (raw.headers !== undefined) {
    if (!isRecord(raw.headers)) fail(file, `${at}.headers`, 'must be a mapping of header name to value');
    for (const [name, value] of Object.entries(raw.headers)) {
      if (typeof value !== 'string' && typeof value !== 'number') fail(file, `${at}.headers.${name}`, 'must be a string');
      headers[name.toLowerCase()] = expandEnv(String(value), file, `${at}.headers.${name}`, env);
    }
  }

  if (!isRecord(raw.functions) || Object.keys(raw.functions).length === 0) {
    fail(file, `${at}.functions`, `must map at least one of ${TARGET_FUNCTIONS.join(', ')} to a path`);
  }
  const functions: Partial<Record<TargetFunction, string>> = {};
  for (const [name, path] of Object.entries(raw.functions)) {
    if (!(TARGET_FUNCTIONS as readonly string[]).includes(name)) {
      fail(file, `${at}.functions.${name}`, `unknown function (expected ${TARGET_FUNCTIONS.join(', ')})`);
    }
    if (typeof path !== 'string' || path.trim() === '') fail(file, `${at}.functions.${name}`, 'must be a path like /api/lr-infer');
    functions[name as TargetFunction] = path.startsWith('/') ? path : `/${path}`;
  }
  return { label, platform: platform as TargetPlatform, url: url.href.replace(/\/+$/, ''), headers, functions };
}

/** Parses targets.yml text; `file` names the source in errors. */
export function parseTargets(text: string, file: string, env: Record<string, string | undefined> = process.env): Target[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ValidationError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const list = isRecord(doc) && 'targets' in doc ? doc.targets : doc;
  const at = isRecord(doc) ? 'targets' : '';
  if (!Array.isArray(list)) throw new ValidationError(`${file}: ${at || '(top level)'}: must be a list of targets`);
  if (list.length === 0) throw new ValidationError(`${file}: ${at || '(top level)'}: lists no targets`);
  const targets = list.map((raw, i) => parseTarget(raw, file, `${at}[${i}]`, env));
  const seen = new Set<string>();
  targets.forEach((t, i) => {
    if (seen.has(t.label)) fail(file, `${at}[${i}].label`, `'${t.label}' is used twice; labels name plot series and must be unique`);
    seen.add(t.label);
  });
  return targets;
}

/** Reads and validates a targets file. */
export function loadTargets(file: string, env: Record<string, string | undefined> = process.env): Target[] {
  if (!existsSync(file)) throw new NotFoundError(`targets file ${file} does not exist (see functions/targets.example.yml)`);
  return parseTargets(readFileSync(file, 'utf8'), file, env);
}

/** The full URL of one workload on a target (NotFoundError when the target does not list it). */
export function functionUrl(target: Target, fn: TargetFunction): string {
  const path = target.functions[fn];
  if (path === undefined) throw new NotFoundError(`target '${target.label}' has no ${fn} function`);
  return target.url + path;
}
