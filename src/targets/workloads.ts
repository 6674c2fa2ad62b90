// The functions a target can build, the platforms it knows, and where their sources live.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../errors.js';
import { functionsDir } from '../paths.js';

export const WORKLOADS = ['lr-train', 'lr-infer', 'resnet-train', 'resnet-infer'] as const;
export type Workload = (typeof WORKLOADS)[number];

export const PLATFORMS = ['azure', 'openfaas'] as const;
export type Platform = (typeof PLATFORMS)[number];

export function checkPlatform(name: string): Platform {
  if ((PLATFORMS as readonly string[]).includes(name)) return name as Platform;
  throw new ValidationError(`unknown platform '${name}'; known platforms: ${PLATFORMS.join(', ')}`);
}

/** "a,b" (or a list) → checked workload names; all four when empty. */
export function selectFunctions(list?: string | string[]): Workload[] {
  const names = (Array.isArray(list) ? list : (list ?? '').split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) return [...WORKLOADS];
  for (const n of names) {
    if (!(WORKLOADS as readonly string[]).includes(n)) {
      throw new ValidationError(`unknown function '${n}'; known functions: ${WORKLOADS.join(', ')}`);
    }
  }
  return [...new Set(names)] as Workload[];
}

/** functions/<name>/handler.ts, checked to exist. */
export function handlerSource(name: string): string {
  const file = join(functionsDir(), name, 'handler.ts');
  if (!existsSync(file)) throw new NotFoundError(`no handler for '${name}' at ${file}`);
  return file;
}
