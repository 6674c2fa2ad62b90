import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// The project root: set by the bin and the notebook kernel, else found by walking up from the
// working directory. Library modules avoid import.meta so that tslab can compile them too.
export function projectRoot(): string {
  if (process.env.FAASML_ROOT) return resolve(process.env.FAASML_ROOT);
  let dir = process.cwd();
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'faasml') return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where runs keep their models, queue and logs (`.faasml/` unless FAASML_STATE_DIR says otherwise). */
export function stateDir(): string {
  return resolve(process.env.FAASML_STATE_DIR ?? join(projectRoot(), '.faasml'));
}

export function modelsDir(): string {
  return resolve(process.env.FAASML_MODELS ?? join(stateDir(), 'models'));
}

export function functionsDir(): string {
  return join(projectRoot(), 'functions');
}

export function figuresDir(): string {
  return resolve(process.env.FAASML_FIGURES ?? join(projectRoot(), 'figures'));
}

/** `quick` shrinks every experiment so the notebooks and tests run in minutes (FAASML_PROFILE=quick). */
export function profile(): 'quick' | 'full' {
  return process.env.FAASML_PROFILE === 'quick' ? 'quick' : 'full';
}
