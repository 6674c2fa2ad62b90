// Chooses the TensorFlow.js backend once per process. Order: native TensorFlow (tfjs-node,
// an optional dependency that often cannot install), then WebAssembly (with the
// Conv2DBackpropFilter kernel it lacks registered by us), then the pure-JS cpu backend.
// Everything goes through the single `@tensorflow/tfjs` instance returned by `tf()`: tfjs-node
// re-exports it and the wasm backend registers into the tfjs-core it uses, so no second copy.
import * as tfjs from '@tensorflow/tfjs';
import { ValidationError } from '../errors.js';
import { registerWasmConv2DBackpropFilter } from './wasm-conv2d-backprop-filter.js';
import { registerWasmConv2DBackpropInput } from './wasm-conv2d-backprop-input.js';
import { registerFastBatchNormGradient } from './wasm-batchnorm-grad.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let active: BackendName | undefined;
// Serialises every (re)initialisation so concurrent callers share one attempt.
let chain: Promise<BackendName> | undefined;
let chainKey: string | undefined;

/** The tfjs namespace every faasml module uses (same instance everywhere). */
export function tf(): typeof import('@tensorflow/tfjs') {
  return tfjs;
}

/** The backend chosen by the last finished initBackend; throws when none was awaited yet. */
export function activeBackend(): BackendName {
  if (active === undefined) throw new Error('TensorFlow.js backend not initialised: await initBackend() first');
  return active;
}

function parseBackendName(name: string, origin: string): BackendName {
  const lower = name.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(lower)) return lower as BackendName;
  throw new ValidationError(
    `unknown TensorFlow.js backend '${name}' (from ${origin}); expected one of ${BACKEND_NAMES.join(', ')}`,
  );
}

// A variable specifier keeps TypeScript from requiring the optional package's types, and a
// dynamic import resolves from this module's location, with or without the package present.
async function loadTensorflow(): Promise<void> {
  const specifier = '@tensorflow/tfjs-node';
  await import(specifier);
  if (tfjs.findBackendFactory('tensorflow') === null) {
    throw new Error('@tensorflow/tfjs-node loaded but registered no "tensorflow" backend');
  }
}

async function loadWasm(): Promise<void> {
  // Importing registers the 'wasm' backend factory; in Node it reads its .wasm file from the
  // package's dist directory itself (it picks the SIMD build when the runtime supports it).
  await import('@tensorflow/tfjs-backend-wasm');
  registerWasmConv2DBackpropFilter();
  // Not missing, but wasm's own is 2-9× slower than the same gradient built from XNNPACK ops.
  registerWasmConv2DBackpropInput();
  // Same gradient without a Tile to the activation shape: ~28% less CPU per ResNet-50 step.
  registerFastBatchNormGradient();
}

async function activate(name: BackendName): Promise<void> {
  if (name === 'tensorflow') await loadTensorflow();
  else if (name === 'wasm') await loadWasm();
  // setBackend resolves false (rather than throwing) when the backend's initialisation fails.
  const ok = await tfjs.setBackend(name);
  if (!ok) throw new Error(`TensorFlow.js backend '${name}' failed to initialise`);
  await tfjs.ready();
  // The cpu backend prints a banner recommending tfjs-node on first use; the choice here is
  // deliberate (and recorded with every result), so silence it.
  if (name === 'cpu') (tfjs.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

async function choose(prefer: BackendName | undefined): Promise<BackendName> {
  if (prefer !== undefined) {
    try {
      await activate(prefer);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot use TensorFlow.js backend '${prefer}': ${why}`);
    }
    return prefer;
  }
  const failures: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      await activate(name);
      return name;
    } catch (err) {
      failures.push(`${name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised (${failures.join('; ')})`);
}

/**
 * Picks tfjs-node when it loads, else wasm (with our Conv2DBackpropFilter registered), else cpu.
 * `prefer` (or env FAASML_BACKEND) forces one; forcing one that cannot load throws a clear Error.
 * Idempotent and safe to call concurrently; returns the active backend name.
 */
export function initBackend(prefer?: BackendName): Promise<BackendName> {
  let wanted: BackendName | undefined;
  try {
    if (prefer !== undefined) wanted = parseBackendName(prefer, 'argument');
    else if (process.env.FAASML_BACKEND) wanted = parseBackendName(process.env.FAASML_BACKEND, 'FAASML_BACKEND');
  } catch (err) {
    return Promise.reject(err);
  }
  const key = wanted ?? 'auto';
  if (chain !== undefined && (chainKey === key || (wanted !== undefined && wanted === active))) return chain;
  const previous = chain ?? Promise.resolve(undefined);
  const next = previous
    .catch(() => undefined)
    .then(() => choose(wanted))
    .then((name) => {
      active = name;
      return name;
    });
  chain = next;
  chainKey = key;
  // A failed attempt must not poison later calls (for example a forced backend, then 'auto').
  next.catch(() => {
    if (chain === next) {
      chain = undefined;
      chainKey = undefined;
    }
  });
  return next;
}
