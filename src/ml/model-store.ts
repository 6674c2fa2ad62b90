// Versioned model store on disk: <root>/<name>/<version>/{model.json, group1-shard1of1.bin,
// metadata.json}. A version is written in a temporary folder and renamed into place, so it
// appears complete or not at all; renaming onto an existing (non-empty) version fails, which
// is the lock that keeps concurrent savers from sharing a version number.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { NotFoundError, ValidationError } from '../errors.js';
import { tf } from './backend.js';
import { folderHandler, fsyncDir, MODEL_JSON, writeFileAtomic } from './model-io.js';

export const METADATA_JSON = 'metadata.json';
const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const REF_RE = /^([A-Za-z][A-Za-z0-9_-]{0,63})(?:@(latest|[1-9][0-9]{0,8}))?$/;
const TMP_PREFIX = '.tmp-';

export interface ModelMetadata {
  name: string;
  version: number;
  createdAt: string;
  kind: 'linreg' | 'resnet50';
  architecture: string;
  /** linreg: the formula, its input variables (in input order) and feature terms. */
  formula?: string;
  target?: string;
  variables?: string[];
  features?: string[];
  /** resnet50: class names by index and the input shape [h, w, c]. */
  classes?: string[];
  inputShape?: number[];
  metrics: Record<string, number>;
  data: string;
  backend: string;
  trainSeconds: number;
  /** Training settings worth keeping next to the model (epochs, samples, stem, width, ...). */
  training?: Record<string, unknown>;
  /** Per-epoch curves (loss, accuracy, ...). */
  history?: Record<string, number[]>;
}

export interface ModelInfo {
  name: string;
  version: number;
  /** `name@version` */
  ref: string;
  dir: string;
  createdAt: string;
  kind: string;
  backend: string;
  metrics: Record<string, number>;
  sizeBytes: number;
}

export interface ParsedRef {
  name: string;
  /** A version number, or 'latest'. */
  version: number | 'latest';
}

export function parseModelRef(ref: string): ParsedRef {
  if (typeof ref !== 'string') throw new ValidationError('model: expected a string like "lr@latest" or "lr@3"');
  const m = REF_RE.exec(ref.trim());
  if (!m) throw new ValidationError(`model: '${ref.slice(0, 80)}' is not a model reference, expected name, name@latest or name@<version number> (like lr@3)`);
  return { name: m[1], version: m[2] === undefined || m[2] === 'latest' ? 'latest' : Number(m[2]) };
}

function dirSize(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
  return total;
}

export class ModelStore {
  constructor(readonly root: string) {}

  /** Complete versions of `name`, ascending; temporary folders and stray files are ignored. */
  versions(name: string): number[] {
    const dir = join(this.root, name);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((v) => /^[1-9][0-9]*$/.test(v) && existsSync(join(dir, v, METADATA_JSON)))
      .map(Number)
      .sort((a, b) => a - b);
  }

  names(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((n) => NAME_RE.test(n) && this.versions(n).length > 0)
      .sort();
  }

  /**
   * The folder a reference points at now, without reading metadata or sizes: the cheap call
   * a serving path makes on every request so `@latest` picks up a new training at once.
   */
  locate(ref: string): { name: string; version: number; ref: string; dir: string } {
    const { name, version } = parseModelRef(ref);
    const base = join(this.root, name);
    let v: number | undefined;
    if (version === 'latest') {
      const candidates = existsSync(base)
        ? readdirSync(base).filter((d) => /^[1-9][0-9]*$/.test(d)).map(Number).sort((a, b) => b - a)
        : [];
      v = candidates.find((c) => existsSync(join(base, String(c), METADATA_JSON)));
    } else if (existsSync(join(base, String(version), METADATA_JSON))) v = version;
    if (v === undefined) return this.resolve(ref); // throws the 404 that names what exists
    return { name, version: v, ref: `${name}@${v}`, dir: join(base, String(v)) };
  }

  /** Name and version a reference points at now, with metadata summary and size. */
  resolve(ref: string): ModelInfo {
    const { name, version } = parseModelRef(ref);
    const versions = this.versions(name);
    if (versions.length === 0) {
      const names = this.names();
      throw new NotFoundError(`model '${name}' not found`, names.length ? `models: ${names.join(', ')}` : 'no models saved yet: train one first');
    }
    const v = version === 'latest' ? versions[versions.length - 1] : version;
    if (!versions.includes(v)) throw new NotFoundError(`model ${name}@${v} not found`, `versions of ${name}: ${versions.join(', ')}`);
    return this.info(name, v);
  }

  private info(name: string, version: number): ModelInfo {
    const dir = join(this.root, name, String(version));
    const meta = this.readMeta(dir);
    return { name, version, ref: `${name}@${version}`, dir, createdAt: meta.createdAt, kind: meta.kind, backend: meta.backend, metrics: meta.metrics ?? {}, sizeBytes: dirSize(dir) };
  }

  private readMeta(dir: string): ModelMetadata {
    return JSON.parse(readFileSync(join(dir, METADATA_JSON), 'utf8')) as ModelMetadata;
  }

  list(): ModelInfo[] {
    return this.names().flatMap((n) => this.versions(n).map((v) => this.info(n, v)));
  }

  metadata(ref: string): ModelMetadata {
    return this.readMeta(this.resolve(ref).dir);
  }

  async save(name: string, model: tfjs.LayersModel, meta: Omit<ModelMetadata, 'name' | 'version' | 'createdAt'>): Promise<ModelInfo> {
    if (!NAME_RE.test(name)) throw new ValidationError(`model name '${name.slice(0, 80)}' is invalid, expected letters, digits, '-' or '_' (starting with a letter)`);
    const base = join(this.root, name);
    mkdirSync(base, { recursive: true });
    const tmp = join(base, `${TMP_PREFIX}${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(tmp);
    try {
      await model.save(folderHandler(tmp));
      const createdAt = new Date().toISOString();
      let tried = 0;
      for (let attempt = 0; attempt < 1000; attempt++) {
        const existing = this.versions(name);
        const version = Math.max((existing.length ? existing[existing.length - 1] : 0) + 1, tried + 1);
        tried = version;
        const full: ModelMetadata = { ...meta, name, version, createdAt };
        writeFileAtomic(join(tmp, METADATA_JSON), JSON.stringify(full, null, 2));
        const target = join(base, String(version));
        if (existsSync(target)) continue;
        try {
          renameSync(tmp, target);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // Another saver took this number between our check and the rename: try the next.
          if (code === 'ENOTEMPTY' || code === 'EEXIST') continue;
          throw err;
        }
        fsyncDir(base);
        return this.info(name, version);
      }
      throw new Error(`could not find a free version number for ${name}`);
    } finally {
      if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
    }
  }

  async load(ref: string): Promise<{ model: tfjs.LayersModel; meta: ModelMetadata; info: ModelInfo }> {
    const info = this.resolve(ref);
    if (!existsSync(join(info.dir, MODEL_JSON))) throw new NotFoundError(`model ${info.ref} has no ${MODEL_JSON}`);
    const model = await tf().loadLayersModel(folderHandler(info.dir));
    return { model, meta: this.readMeta(info.dir), info };
  }

  /** Removes temporary folders older than `olderThanMs` left by crashed saves. */
  sweep(olderThanMs = 60 * 60 * 1000): number {
    let removed = 0;
    for (const n of existsSync(this.root) ? readdirSync(this.root) : []) {
      const base = join(this.root, n);
      if (!statSync(base).isDirectory()) continue;
      for (const d of readdirSync(base)) {
        const p = join(base, d);
        if (d.startsWith(TMP_PREFIX) && Date.now() - statSync(p).mtimeMs > olderThanMs) {
          rmSync(p, { recursive: true, force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
