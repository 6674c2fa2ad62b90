// A FunctionContext for running a handler in this process: the CLI, the tests and the
// in-process benchmarks call handlers through it exactly as a platform adapter would.
import { randomUUID } from 'node:crypto';
import { adapterContext } from './adapters/invoke.js';
import type { FunctionContext, Logger } from './contract.js';
import { modelsDir } from './paths.js';

export interface LocalContextOverrides {
  instanceId?: string;
  modelsDir?: string;
  env?: Record<string, string | undefined>;
  log?: Logger;
  /** Milliseconds the handler may take from now (Infinity: no deadline). */
  timeoutMs?: number;
}

/** Logs to stderr when FAASML_DEBUG is set, else stays quiet (tests and benchmarks). */
export function quietLogger(functionName: string): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    if (process.env.FAASML_DEBUG) process.stderr.write(`${JSON.stringify({ level, function: functionName, message, ...fields })}\n`);
  };
  return { info: (m, f) => write('info', m, f), warn: (m, f) => write('warn', m, f), error: (m, f) => write('error', m, f) };
}

export function localContext(functionName: string, overrides: LocalContextOverrides = {}): FunctionContext {
  const timeoutMs = overrides.timeoutMs ?? Infinity;
  return adapterContext({
    functionName,
    modelsDir: overrides.modelsDir ?? modelsDir(),
    instanceId: overrides.instanceId ?? `${functionName}-local-${randomUUID().slice(0, 8)}`,
    env: overrides.env,
    log: overrides.log ?? quietLogger(functionName),
    deadline: timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs,
  });
}
