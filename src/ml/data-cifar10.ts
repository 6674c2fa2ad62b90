// CIFAR-10 in its binary format (https://www.cs.toronto.edu/~kriz/cifar.html): records of a
// label byte and 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major), read from a folder of
// .bin files or straight from cifar-10-binary.tar.gz (streamed through gunzip and tar).
// Also `loadDataset`, the one entry the handlers, CLI and notebooks use for any data set.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { NotFoundError, ValidationError } from '../errors.js';
import { generateSynthetic, RECORD_BYTES, SIZE } from './data-synthetic.js';
import { writeFileAtomic } from './model-io.js';
import type { LabeledImages } from './resnet-train.js';
import { seededRandom } from './seeded-random.js';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

export type Split = 'train' | 'test' | 'all';

export interface ReadCifarOptions {
  /** A folder with data_batch_N.bin / test_batch.bin, or a cifar-10-binary.tar.gz. */
  path: string;
  /** A seeded random subset of this many images (all when omitted). */
  images?: number;
  seed?: number;
  split?: Split;
}

const TRAIN_RE = /^data_batch_(\d+)\.bin$/;

function wanted(name: string, split: Split): boolean {
  if (name === 'test_batch.bin') return split !== 'train';
  return TRAIN_RE.test(name) && split !== 'test';
}

function fileOrder(a: string, b: string): number {
  const na = TRAIN_RE.exec(a)?.[1];
  const nb = TRAIN_RE.exec(b)?.[1];
  if (na && nb) return Number(na) - Number(nb);
  return na ? -1 : nb ? 1 : a.localeCompare(b);
}

function parseClasses(text: string | undefined): string[] {
  const names = (text ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return names.length > 0 ? names : [...CIFAR10_CLASSES];
}

interface RawFiles {
  files: { name: string; data: Buffer }[];
  meta?: string;
}

function readFolder(dir: string, split: Split): RawFiles {
  const names = readdirSync(dir).filter((n) => wanted(n, split)).sort(fileOrder);
  const metaPath = join(dir, 'batches.meta.txt');
  return {
    files: names.map((name) => ({ name, data: readFileSync(join(dir, name)) })),
    meta: existsSync(metaPath) ? readFileSync(metaPath, 'utf8') : undefined,
  };
}

/** Streams a .tar.gz and keeps the CIFAR-10 files it contains (by base name). */
async function readArchive(path: string, keep: (name: string) => boolean): Promise<RawFiles> {
  const extract = tar.extract();
  const out: RawFiles = { files: [] };
  extract.on('entry', (header, stream, next) => {
    const name = basename(header.name);
    const chunks: Buffer[] = [];
    const isMeta = name === 'batches.meta.txt';
    const take = header.type === 'file' && (isMeta || keep(name));
    stream.on('data', (c: unknown) => {
      if (take) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (take) {
        const data = Buffer.concat(chunks);
        if (isMeta) out.meta = data.toString('utf8');
        else out.files.push({ name, data });
      }
      next();
    });
    stream.resume();
  });
  try {
    await pipeline(createReadStream(path), createGunzip(), extract);
  } catch (err) {
    throw new ValidationError(`${basename(path)}: not a readable .tar.gz archive: ${(err as Error).message}`);
  }
  out.files.sort((a, b) => fileOrder(a.name, b.name));
  return out;
}

function isArchive(path: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(path);
}

export async function readCifar10(opts: ReadCifarOptions): Promise<LabeledImages> {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test' && split !== 'all') throw new ValidationError(`split: expected train, test or all, got ${String(split)}`);
  if (!existsSync(opts.path)) throw new NotFoundError(`data set not found: ${opts.path}`, 'expected a folder of CIFAR-10 .bin files or a cifar-10-binary.tar.gz');
  const stat = statSync(opts.path);
  let raw: RawFiles;
  if (stat.isDirectory()) raw = readFolder(opts.path, split);
  else if (isArchive(opts.path)) raw = await readArchive(opts.path, (n) => wanted(n, split));
  else throw new ValidationError(`${basename(opts.path)}: expected a folder of CIFAR-10 .bin files or a .tar.gz archive`);
  if (raw.files.length === 0) {
    const which = split === 'train' ? 'data_batch_N.bin' : split === 'test' ? 'test_batch.bin' : 'data_batch_N.bin or test_batch.bin';
    throw new NotFoundError(`no CIFAR-10 files (${which}) in ${opts.path}`);
  }
  for (const f of raw.files) {
    if (f.data.length === 0 || f.data.length % RECORD_BYTES !== 0) {
      throw new ValidationError(`${f.name}: ${f.data.length} bytes is not a whole number of ${RECORD_BYTES}-byte CIFAR-10 records`);
    }
  }
  const classes = parseClasses(raw.meta);
  // Record i lives in file fileOf[i] at offset; pick a seeded subset without copying everything.
  const locations: { file: Buffer; offset: number }[] = [];
  for (const f of raw.files) for (let o = 0; o < f.data.length; o += RECORD_BYTES) locations.push({ file: f.data, offset: o });
  const total = locations.length;
  let chosen: number[] = Array.from({ length: total }, (_, i) => i);
  if (opts.images !== undefined) {
    if (!Number.isInteger(opts.images) || opts.images < 1) throw new ValidationError(`images: expected a positive integer, got ${opts.images}`);
    if (opts.images > total) throw new ValidationError(`images: asked for ${opts.images}, the data set has ${total}`);
    const rng = seededRandom(opts.seed ?? 42);
    // Partial Fisher-Yates: the first `images` entries become the subset.
    for (let i = 0; i < opts.images; i++) {
      const j = i + rng.int(total - i);
      const t = chosen[i];
      chosen[i] = chosen[j];
      chosen[j] = t;
    }
    chosen = chosen.slice(0, opts.images);
  }
  const count = chosen.length;
  const plane = SIZE * SIZE;
  const x = new Float32Array(count * plane * 3);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const { file, offset } = locations[chosen[i]];
    const label = file[offset];
    if (label >= classes.length) throw new ValidationError(`label ${label} of record ${chosen[i]} is not below the ${classes.length} classes`);
    labels[i] = label;
    const dst = i * plane * 3;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) x[dst + p * 3 + c] = file[offset + 1 + c * plane + p] / 255;
    }
  }
  const subset = opts.images !== undefined ? ` images=${count} seed=${opts.seed ?? 42}` : '';
  return { x, labels, count, height: SIZE, width: SIZE, classes, source: `cifar10 ${basename(opts.path)} split=${split}${subset}` };
}

let cachedSynthetic: { key: string; data: LabeledImages } | undefined;

/**
 * The shared entry for data: 'synthetic' (generated in memory, the last one cached) or a
 * CIFAR-10 folder / .tar.gz path.
 */
export async function loadDataset(spec: string, opts: { images?: number; seed?: number; split?: Split } = {}): Promise<LabeledImages> {
  if (spec === 'synthetic') {
    const images = opts.images ?? 1000;
    const key = `${images}:${opts.seed ?? 42}`;
    if (cachedSynthetic?.key !== key) cachedSynthetic = { key, data: generateSynthetic({ images, seed: opts.seed }) };
    return cachedSynthetic.data;
  }
  return readCifar10({ path: spec, images: opts.images, seed: opts.seed, split: opts.split });
}

export function md5File(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

/** Checks an archive's md5 and extracts its CIFAR-10 files (flattened) into `out`. */
export async function verifyAndExtract(archive: string, out: string, expectedMd5: string = CIFAR10_MD5): Promise<{ files: string[]; md5: string }> {
  const md5 = md5File(archive);
  if (md5 !== expectedMd5) throw new ValidationError(`${basename(archive)}: md5 ${md5} does not match the expected ${expectedMd5} (corrupt or wrong download)`);
  const raw = await readArchive(archive, (n) => wanted(n, 'all'));
  if (raw.files.length === 0) throw new ValidationError(`${basename(archive)}: no CIFAR-10 .bin files inside`);
  mkdirSync(out, { recursive: true });
  for (const f of raw.files) writeFileAtomic(join(out, f.name), f.data);
  if (raw.meta !== undefined) writeFileAtomic(join(out, 'batches.meta.txt'), raw.meta);
  return { files: [...raw.files.map((f) => f.name), ...(raw.meta !== undefined ? ['batches.meta.txt'] : [])], md5 };
}

/** Downloads the official archive into `out`, checks its md5 and extracts it there. */
export async function downloadCifar10(out: string, opts: { url?: string; timeoutMs?: number } = {}): Promise<{ dir: string; files: string[]; md5: string }> {
  const url = opts.url ?? CIFAR10_URL;
  mkdirSync(out, { recursive: true });
  const archive = join(out, 'cifar-10-binary.tar.gz');
  if (!existsSync(archive)) {
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000) });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new Error(`cannot download ${url} (${cause}); download it on a machine with network access and pass the .tar.gz or its folder with --data`);
    }
    if (!res.ok || !res.body) throw new Error(`cannot download ${url}: HTTP ${res.status}`);
    writeFileAtomic(archive, new Uint8Array(await res.arrayBuffer()));
  }
  const { files, md5 } = await verifyAndExtract(archive, out);
  return { dir: out, files, md5 };
}
