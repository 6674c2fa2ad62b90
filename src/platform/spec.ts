// A function's deployment description (what stack.yml and the deploy API give) and its
// resolved form (validated numbers the scaler and instances use). Every check names the key
// that is wrong, so a stack file error or a 400 from the deploy API says what to fix.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDuration, parseCpu, parseDuration, parseMemory } from './quantity.js';

/** What a user writes (stack.yml entry, deploy body, or PlatformOptions.functions). */
export interface FunctionSpec {
  name: string;
  /** Folder holding handler.ts (or the module file itself); relative paths resolve against `baseDir`. */
  handler: string;
  environment?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  limits?: { memory?: string; cpu?: string };
  requests?: { memory?: string; cpu?: string };
  /** Go duration ("30s") or seconds; no limit when absent. */
  execTimeout?: string | number;
  /** Requests one instance may hold at once; more get 429. */
  maxInflight?: number;
  secrets?: string[];
}

export interface ScalePolicy {
  min: number;
  max: number;
  /** In-flight requests per instance before another instance starts. */
  target: number;
  /** Whether the function may drop to zero instances after `zeroDurationMs` idle. */
  zero: boolean;
  zeroDurationMs: number;
  /** Idle time after which instances above the minimum stop. */
  idleMs: number;
}

export interface ResolvedSpec {
  name: string;
  handlerFile: string;
  handlerDir: string;
  environment: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  limits: { memory?: string; cpu?: string };
  requests: { memory?: string; cpu?: string };
  memoryBytes?: number;
  cpuCores?: number;
  execTimeoutMs?: number;
  maxInflight?: number;
  secrets: string[];
  scale: ScalePolicy;
  queueMax: number;
  /** Upper-case methods the function accepts; undefined = any. */
  methods?: Set<string>;
  createdAt: string;
}

/** Defaults (documented in functions/stack.yml): min 1, max 4, target 1, queue 100. */
export const DEFAULT_SCALE: ScalePolicy = { min: 1, max: 4, target: 1, zero: false, zeroDurationMs: 15 * 60_000, idleMs: 60_000 };
export const DEFAULT_QUEUE_MAX = 100;

export const LABEL_MIN = 'com.openfaas.scale.min';
export const LABEL_MAX = 'com.openfaas.scale.max';
export const LABEL_TARGET = 'com.openfaas.scale.target';
export const LABEL_ZERO = 'com.openfaas.scale.zero';
export const LABEL_ZERO_DURATION = 'com.openfaas.scale.zero-duration';
export const LABEL_IDLE = 'com.faasml.scale.idle-duration';
export const LABEL_QUEUE_MAX = 'com.faasml.queue.max';
export const LABEL_METHODS = 'com.faasml.methods';

/** Thrown with the offending key and the reason; callers add the file or field wording. */
export class SpecError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HANDLER_FILES = ['handler.ts', 'handler.js', 'index.ts', 'index.js'];

function stringMap(value: unknown, key: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SpecError(key, 'must be a map of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'object' && v !== null) throw new SpecError(`${key}.${k}`, 'must be a string');
    out[k] = String(v);
  }
  return out;
}

function intLabel(labels: Record<string, string>, name: string, fallback: number, min: number): number {
  const raw = labels[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new SpecError(`labels.${name}`, `'${raw}' must be an integer >= ${min}`);
  return n;
}

function durationLabel(labels: Record<string, string>, name: string, fallback: number): number {
  const raw = labels[name];
  if (raw === undefined) return fallback;
  const ms = parseDuration(raw);
  if (ms === undefined || ms <= 0) throw new SpecError(`labels.${name}`, `'${raw}' is not a duration (e.g. 30s, 5m)`);
  return ms;
}

function resourceBlock(value: unknown, key: string): { memory?: string; cpu?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new SpecError(key, 'must be a map with memory and cpu');
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (k !== 'memory' && k !== 'cpu') throw new SpecError(`${key}.${k}`, 'unknown key (expected memory, cpu)');
  const out: { memory?: string; cpu?: string } = {};
  if (v.memory !== undefined) {
    if (parseMemory(v.memory) === undefined) throw new SpecError(`${key}.memory`, `'${String(v.memory)}' is not a memory quantity (e.g. 512Mi, 2Gi)`);
    out.memory = String(v.memory);
  }
  if (v.cpu !== undefined) {
    if (parseCpu(v.cpu) === undefined) throw new SpecError(`${key}.cpu`, `'${String(v.cpu)}' is not a CPU quantity (e.g. 1, 500m)`);
    out.cpu = String(v.cpu);
  }
  return out;
}

/** The module file of a handler path: the file itself, or handler.ts/.js, index.ts/.js in the folder. */
export function findHandlerFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (statSync(path).isFile()) return path;
  for (const f of HANDLER_FILES) if (existsSync(join(path, f))) return join(path, f);
  return undefined;
}

/** Validates a spec and fills in defaults; throws SpecError naming the key. */
export function resolveSpec(input: FunctionSpec, baseDir: string): ResolvedSpec {
  if (typeof input.name !== 'string' || !NAME_RE.test(input.name)) {
    throw new SpecError('name', `'${String(input.name)}' must be lower-case letters, digits and dashes`);
  }
  if (typeof input.handler !== 'string' || input.handler === '') throw new SpecError('handler', 'is required (a path to the function folder)');
  const handlerDir = resolve(baseDir, input.handler);
  if (!existsSync(handlerDir)) throw new SpecError('handler', `'${input.handler}' does not exist (resolved to ${handlerDir})`);
  const handlerFile = findHandlerFile(handlerDir);
  if (!handlerFile) throw new SpecError('handler', `'${input.handler}' has no ${HANDLER_FILES.join(' / ')}`);

  const labels = stringMap(input.labels, 'labels');
  const annotations = stringMap(input.annotations, 'annotations');
  const environment = stringMap(input.environment, 'environment');
  const limits = resourceBlock(input.limits, 'limits');
  const requests = resourceBlock(input.requests, 'requests');

  let execTimeoutMs: number | undefined;
  if (input.execTimeout !== undefined && input.execTimeout !== null && input.execTimeout !== '') {
    execTimeoutMs = parseDuration(input.execTimeout);
    if (execTimeoutMs === undefined || execTimeoutMs <= 0) throw new SpecError('exec_timeout', `'${String(input.execTimeout)}' is not a duration (e.g. 30s, 5m)`);
  }
  let maxInflight: number | undefined;
  if (input.maxInflight !== undefined && input.maxInflight !== null) {
    maxInflight = Number(input.maxInflight);
    if (!Number.isInteger(maxInflight) || maxInflight < 1) throw new SpecError('max_inflight', `'${String(input.maxInflight)}' must be an integer >= 1`);
  }
  if (input.secrets !== undefined && (!Array.isArray(input.secrets) || input.secrets.some((s) => typeof s !== 'string'))) {
    throw new SpecError('secrets', 'must be a list of names');
  }

  const min = intLabel(labels, LABEL_MIN, DEFAULT_SCALE.min, 0);
  const max = intLabel(labels, LABEL_MAX, Math.max(DEFAULT_SCALE.max, min), 1);
  if (max < min) throw new SpecError(`labels.${LABEL_MAX}`, `${max} is below ${LABEL_MIN} ${min}`);
  const target = intLabel(labels, LABEL_TARGET, DEFAULT_SCALE.target, 1);
  const zeroRaw = labels[LABEL_ZERO];
  if (zeroRaw !== undefined && zeroRaw !== 'true' && zeroRaw !== 'false') throw new SpecError(`labels.${LABEL_ZERO}`, `'${zeroRaw}' must be true or false`);
  const scale: ScalePolicy = {
    min,
    max,
    target,
    zero: zeroRaw === 'true' || min === 0,
    zeroDurationMs: durationLabel(labels, LABEL_ZERO_DURATION, DEFAULT_SCALE.zeroDurationMs),
    idleMs: durationLabel(labels, LABEL_IDLE, DEFAULT_SCALE.idleMs),
  };
  const queueMax = intLabel(labels, LABEL_QUEUE_MAX, DEFAULT_QUEUE_MAX, 0);
  const methodsRaw = labels[LABEL_METHODS] ?? annotations[LABEL_METHODS];
  const methods = methodsRaw ? new Set(methodsRaw.split(/[\s,]+/).filter(Boolean).map((m) => m.toUpperCase())) : undefined;

  return {
    name: input.name,
    handlerFile,
    handlerDir,
    environment,
    labels,
    annotations,
    limits,
    requests,
    memoryBytes: limits.memory ? parseMemory(limits.memory) : undefined,
    cpuCores: limits.cpu ? parseCpu(limits.cpu) : undefined,
    execTimeoutMs,
    maxInflight,
    secrets: input.secrets ?? [],
    scale,
    queueMax,
    methods,
    createdAt: new Date().toISOString(),
  };
}

export function describeTimeout(ms: number): string {
  return formatDuration(ms);
}
