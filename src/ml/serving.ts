// What the ML function handlers share: checked fields of a JSON body (every mistake a 422 or
// 413 naming the field and what was expected) and a cache of loaded models keyed by the
// resolved name@version, so `@latest` costs one folder listing per request.
import type * as tfjs from '@tensorflow/tfjs';
import { PayloadTooLargeError, ValidationError } from '../errors.js';
import { initBackend } from './backend.js';
import { ModelStore, type ModelMetadata } from './model-store.js';

type Body = Record<string, unknown>;

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return `the number ${v}`;
  if (v === undefined) return 'nothing';
  return `${typeof v} ${String(v)}`;
}

export function intField(body: Body, name: string, def: number, lo: number, hi: number): number {
  const v = body[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ValidationError(`${name}: expected an integer from ${lo} to ${hi}, got ${shown(v)}`);
  }
  return v;
}

export function numberField(body: Body, name: string, def: number, lo: number, hi: number): number {
  const v = body[name];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new ValidationError(`${name}: expected a number from ${lo} to ${hi}, got ${shown(v)}`);
  }
  return v;
}

export function stringField(body: Body, name: string, def: string, maxLength = 1000): string {
  const v = body[name];
  if (v === undefined) return def;
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) {
    throw new ValidationError(`${name}: expected a string of 1 to ${maxLength} characters, got ${typeof v === 'string' ? `${v.length} characters` : shown(v)}`);
  }
  return v;
}

export function enumField<T extends string>(body: Body, name: string, def: T, allowed: readonly T[]): T {
  const v = body[name];
  if (v === undefined) return def;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ValidationError(`${name}: expected one of ${allowed.join(', ')}, got ${shown(v)}`);
  return v as T;
}

/** The batch limit: env FAASML_MAX_BATCH, else the function's default. */
export function maxBatch(env: Record<string, string | undefined>, def: number): number {
  const n = Number(env.FAASML_MAX_BATCH);
  return Number.isInteger(n) && n > 0 ? n : def;
}

/** A non-empty array field of at most `limit` items (413 over it). */
export function batchField(body: Body, name: string, limit: number, expected: string): unknown[] {
  const v = body[name];
  if (!Array.isArray(v)) throw new ValidationError(`${name}: expected an array of ${expected}, got ${v === undefined ? 'nothing' : shown(v)}`);
  if (v.length === 0) throw new ValidationError(`${name}: expected at least one of ${expected}, got an empty array`);
  if (v.length > limit) throw new PayloadTooLargeError(`${name}: ${v.length} items is over the batch limit of ${limit} (FAASML_MAX_BATCH)`);
  return v;
}

/** Rows of `width` finite numbers each, flattened row-major. */
export function numberRows(rows: unknown[], name: string, width: number, columns: string[]): Float64Array {
  const out = new Float64Array(rows.length * width);
  const expected = `${width} number${width === 1 ? '' : 's'} (${columns.join(', ')})`;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) throw new ValidationError(`${name}[${r}]: expected ${expected}, got ${shown(row)}`);
    if (row.length !== width) throw new ValidationError(`${name}[${r}]: expected ${expected}, got ${row.length}`);
    for (let c = 0; c < width; c++) {
      const v = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValidationError(`${name}[${r}][${c}]: expected a finite number, got ${shown(v)}`);
      out[r * width + c] = v;
    }
  }
  return out;
}

/**
 * One image given as numbers: a flat array of h*w*3 values or nested [h][w][3], each 0..1.
 * Writes into `out` at `offset`.
 */
export function imageArray(v: unknown, name: string, h: number, w: number, out: Float32Array, offset: number): void {
  const n = h * w * 3;
  const expected = `${n} numbers from 0 to 1, flat or nested ${h}×${w}×3`;
  const put = (i: number, x: unknown, where: string): void => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) throw new ValidationError(`${where}: expected a number from 0 to 1, got ${shown(x)}`);
    out[offset + i] = x;
  };
  if (!Array.isArray(v)) throw new ValidationError(`${name}: expected ${expected}, got ${shown(v)}`);
  if (v.length === n) {
    for (let i = 0; i < n; i++) put(i, v[i], `${name}[${i}]`);
    return;
  }
  if (v.length !== h) throw new ValidationError(`${name}: expected ${expected}, got an array of ${v.length}`);
  for (let y = 0; y < h; y++) {
    const row = v[y];
    if (!Array.isArray(row) || row.length !== w) throw new ValidationError(`${name}[${y}]: expected ${w} pixels of 3 numbers, got ${Array.isArray(row) ? row.length : shown(row)}`);
    for (let x = 0; x < w; x++) {
      const px = row[x];
      if (!Array.isArray(px) || px.length !== 3) throw new ValidationError(`${name}[${y}][${x}]: expected 3 numbers (R, G, B), got ${Array.isArray(px) ? px.length : shown(px)}`);
      for (let c = 0; c < 3; c++) put((y * w + x) * 3 + c, px[c], `${name}[${y}][${x}][${c}]`);
    }
  }
}

export interface LoadedModel<T = unknown> {
  ref: string;
  model: tfjs.LayersModel;
  meta: ModelMetadata;
  /** Whatever the handler derives once per model (a parsed formula, say). */
  extra: T;
}

/** Loaded models by folder; resolves the reference on every call (cheap), loads once. */
export class ModelCache<T = unknown> {
  private readonly loaded = new Map<string, Promise<LoadedModel<T>>>();

  constructor(
    private readonly derive: (meta: ModelMetadata, ref: string) => T,
    private readonly capacity = 4,
  ) {}

  async get(modelsDir: string, ref: string, kind: ModelMetadata['kind']): Promise<LoadedModel<T>> {
    const store = new ModelStore(modelsDir);
    const where = store.locate(ref);
    let entry = this.loaded.get(where.dir);
    if (!entry) {
      entry = (async () => {
        // A handler called without init() (a direct call) still gets the chosen backend.
        await initBackend();
        const { model, meta } = await store.load(where.ref);
        if (meta.kind !== kind) {
          model.dispose();
          throw new ValidationError(`model: ${where.ref} is a ${meta.kind} model, this function serves ${kind} models`);
        }
        return { ref: where.ref, model, meta, extra: this.derive(meta, where.ref) };
      })();
      this.loaded.set(where.dir, entry);
      entry.catch(() => this.loaded.delete(where.dir));
      this.evict();
    }
    return entry;
  }

  private evict(): void {
    while (this.loaded.size > this.capacity) {
      const [oldest, entry] = this.loaded.entries().next().value as [string, Promise<LoadedModel<T>>];
      this.loaded.delete(oldest);
      // Predictions run synchronously, so no request is inside this model when it goes.
      entry.then((m) => m.model.dispose(), () => undefined);
    }
  }
}
