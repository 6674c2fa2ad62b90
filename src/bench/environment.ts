// The machine and software a run was measured on, recorded in run.json so that numbers from
// different machines are never compared blind.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import type { EnvironmentInfo } from './types.js';

function packageVersion(dir: string): string | null {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return null;
  try {
    return String(JSON.parse(readFileSync(file, 'utf8')).version ?? '') || null;
  } catch {
    return null;
  }
}

export function environmentInfo(): EnvironmentInfo {
  const root = projectRoot();
  const list = cpus();
  return {
    hostname: hostname(),
    platform: process.platform,
    arch: process.arch,
    cpuModel: list[0]?.model?.trim() ?? 'unknown',
    cores: list.length,
    memoryBytes: totalmem(),
    node: process.version,
    tfjs: packageVersion(join(root, 'node_modules', '@tensorflow', 'tfjs')),
    faasml: packageVersion(root) ?? 'unknown',
  };
}
