// Reads an OpenFaaS-shaped stack file (version, provider, functions) and the OpenFaaS deploy
// API body into FunctionSpecs. Unknown keys are reported as warnings naming file and key;
// invalid values fail before anything starts, naming file, key and reason.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { BadRequestError } from '../errors.js';
import { type FunctionSpec, type ResolvedSpec, SpecError, resolveSpec } from './spec.js';

export interface StackFile {
  file: string;
  gateway?: string;
  functions: ResolvedSpec[];
  warnings: string[];
}

/** Stack file problems: message is "<file>: <key>: <reason>". */
export class StackError extends BadRequestError {}

const TOP_KEYS = new Set(['version', 'provider', 'functions', 'configuration']);
const PROVIDER_KEYS = new Set(['name', 'gateway', 'network']);
// OpenFaaS keys faasml reads, plus keys it accepts and ignores because they only matter to a
// container build (lang, image, build_args...). max_inflight is faasml's addition (of-watchdog's
// env var as a key); environment_file is not supported and gets a warning.
const FUNCTION_KEYS = new Set([
  'lang', 'handler', 'image', 'environment', 'labels', 'annotations', 'limits', 'requests', 'secrets',
  'exec_timeout', 'max_inflight', 'build_args', 'build_options', 'constraints', 'namespace', 'skip_build',
  'readonly_root_filesystem',
]);

function asMap(value: unknown, file: string, key: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new StackError(`${file}: ${key}: must be a map`);
  return value as Record<string, unknown>;
}

/** Parses stack YAML text; `file` names it in messages and anchors relative handler paths. */
export function parseStack(text: string, file: string): StackFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new StackError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const top = asMap(doc, file, '(top level)');
  const warnings: string[] = [];
  for (const k of Object.keys(top)) if (!TOP_KEYS.has(k) && !k.startsWith('x-')) warnings.push(`${file}: unknown key '${k}' (ignored)`);
  const provider = asMap(top.provider, file, 'provider');
  for (const k of Object.keys(provider)) if (!PROVIDER_KEYS.has(k)) warnings.push(`${file}: unknown key 'provider.${k}' (ignored)`);
  const fns = asMap(top.functions, file, 'functions');
  if (Object.keys(fns).length === 0) throw new StackError(`${file}: functions: no functions defined`);
  const baseDir = dirname(resolve(file));
  const functions: ResolvedSpec[] = [];
  for (const [name, raw] of Object.entries(fns)) {
    const prefix = `functions.${name}`;
    const f = asMap(raw, file, prefix);
    for (const k of Object.keys(f)) if (!FUNCTION_KEYS.has(k)) warnings.push(`${file}: unknown key '${prefix}.${k}' (ignored)`);
    const spec: FunctionSpec = {
      name,
      handler: f.handler as string,
      environment: f.environment as Record<string, string>,
      labels: f.labels as Record<string, string>,
      annotations: f.annotations as Record<string, string>,
      limits: f.limits as FunctionSpec['limits'],
      requests: f.requests as FunctionSpec['requests'],
      execTimeout: f.exec_timeout as string,
      maxInflight: f.max_inflight as number,
      secrets: f.secrets as string[],
    };
    try {
      functions.push(resolveSpec(spec, baseDir));
    } catch (err) {
      if (err instanceof SpecError) throw new StackError(`${file}: ${prefix}.${err.key}: ${err.reason}`);
      throw err;
    }
  }
  return { file, gateway: typeof provider.gateway === 'string' ? provider.gateway : undefined, functions, warnings };
}

export function loadStack(file: string): StackFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StackError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseStack(text, file);
}

const DEPLOY_KEYS = new Set([
  'service', 'handler', 'image', 'envVars', 'envProcess', 'labels', 'annotations', 'limits', 'requests', 'secrets',
  'namespace', 'network', 'constraints', 'readOnlyRootFilesystem', 'execTimeout', 'maxInflight',
]);

/**
 * The OpenFaaS deploy body ({service, image, envVars, labels, annotations, limits, requests})
 * as a spec. faasml needs `handler` (a folder path); `image` is taken as the path when
 * `handler` is absent. A bad field gives 400 naming it.
 */
export function parseDeployBody(body: unknown, baseDir: string): ResolvedSpec {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('deploy body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !DEPLOY_KEYS.has(k));
  if (unknown.length) throw new BadRequestError(`unknown field '${unknown[0]}'`, { field: unknown[0] });
  if (typeof b.service !== 'string' || b.service === '') throw new BadRequestError("field 'service' is required (the function name)", { field: 'service' });
  const handler = b.handler ?? b.image;
  if (typeof handler !== 'string' || handler === '') throw new BadRequestError("field 'handler' is required (a path to the function folder)", { field: 'handler' });
  const spec: FunctionSpec = {
    name: b.service,
    handler,
    environment: b.envVars as Record<string, string>,
    labels: b.labels as Record<string, string>,
    annotations: b.annotations as Record<string, string>,
    limits: b.limits as FunctionSpec['limits'],
    requests: b.requests as FunctionSpec['requests'],
    execTimeout: b.execTimeout as string,
    maxInflight: b.maxInflight as number,
    secrets: b.secrets as string[],
  };
  try {
    return resolveSpec(spec, baseDir);
  } catch (err) {
    if (err instanceof SpecError) {
      const field = DEPLOY_FIELD[err.key.split('.')[0]] ?? err.key.split('.')[0];
      const key = [field, ...err.key.split('.').slice(1)].join('.');
      throw new BadRequestError(`field '${key}': ${err.reason}`, { field: key });
    }
    throw err;
  }
}

// Spec keys as the deploy API spells them.
const DEPLOY_FIELD: Record<string, string> = { name: 'service', environment: 'envVars', exec_timeout: 'execTimeout', max_inflight: 'maxInflight' };
