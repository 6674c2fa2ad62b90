// Azure-style function keys for /function/*: one host key valid for every function and one key
// per function, kept in <stateDir>/function-keys.json so they survive restarts.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FunctionKeys {
  hostKey: string;
  functions: Record<string, string>;
}

export function keysPath(stateDir: string): string {
  return join(stateDir, 'function-keys.json');
}

function newKey(): string {
  return randomBytes(24).toString('base64url');
}

export function loadKeys(stateDir: string, names: string[]): FunctionKeys {
  let keys: FunctionKeys;
  try {
    keys = JSON.parse(readFileSync(keysPath(stateDir), 'utf8')) as FunctionKeys;
  } catch {
    keys = { hostKey: newKey(), functions: {} };
  }
  let changed = false;
  for (const n of names) {
    if (!keys.functions[n]) {
      keys.functions[n] = newKey();
      changed = true;
    }
  }
  if (changed || !keys.hostKey) writeFileSync(keysPath(stateDir), JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

/** The lookup the gateway uses: function name → key, '*' → host key. */
export function keyMap(keys: FunctionKeys): Map<string, string> {
  const m = new Map(Object.entries(keys.functions));
  m.set('*', keys.hostKey);
  return m;
}
