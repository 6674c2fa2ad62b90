// A deterministic, learnable stand-in for CIFAR-10: ten classes of 32×32 pictures (shapes,
// stripes, textures) with jittered position, size, colour and pixel noise, so a ResNet has to
// learn shapes rather than memorise pixels. Written out in CIFAR-10's binary layout it goes
// through exactly the same reader as the real data set.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { writeFileAtomic } from './model-io.js';
import type { LabeledImages } from './resnet-train.js';
import { seededRandom, type Random } from './seeded-random.js';

export const SYNTHETIC_CLASSES = ['disk', 'square', 'triangle', 'h-stripes', 'v-stripes', 'checker', 'cross', 'diagonal', 'ring', 'dots'];
export const SIZE = 32;
export const RECORD_BYTES = 1 + SIZE * SIZE * 3;

type Painter = (x: number, y: number) => boolean;

function painterFor(label: number, rng: Random): Painter {
  const cx = rng.uniform(11, 21);
  const cy = rng.uniform(11, 21);
  const r = rng.uniform(6, 10);
  const period = rng.uniform(4, 7);
  const phase = rng.uniform(0, period);
  switch (label) {
    case 0:
      return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 < r * r;
    case 1:
      return (x, y) => Math.abs(x - cx) < r * 0.85 && Math.abs(y - cy) < r * 0.85;
    case 2:
      // Upward triangle: inside when below the apex and within the widening sides.
      return (x, y) => y < cy + r * 0.8 && y > cy - r && Math.abs(x - cx) < (y - (cy - r)) * 0.6;
    case 3:
      return (_x, y) => (y + phase) % period < period / 2;
    case 4:
      return (x) => (x + phase) % period < period / 2;
    case 5:
      return (x, y) => (Math.floor((x + phase) / period) + Math.floor((y + phase) / period)) % 2 === 0;
    case 6:
      return (x, y) => (Math.abs(x - cx) < 2.2 && Math.abs(y - cy) < r) || (Math.abs(y - cy) < 2.2 && Math.abs(x - cx) < r);
    case 7:
      return (x, y) => (x + y + phase) % period < period / 2;
    case 8: {
      const d2 = (x: number, y: number): number => (x - cx) ** 2 + (y - cy) ** 2;
      return (x, y) => d2(x, y) < r * r && d2(x, y) > (r - 3) * (r - 3);
    }
    default: {
      const dots = Array.from({ length: 7 }, () => [rng.uniform(3, 29), rng.uniform(3, 29)]);
      return (x, y) => dots.some(([dx, dy]) => (x - dx) ** 2 + (y - dy) ** 2 < 4);
    }
  }
}

// Each class leans towards a hue so colour helps, but jitter keeps shape the main signal.
const CLASS_COLOURS = [
  [0.9, 0.2, 0.2], [0.2, 0.8, 0.3], [0.2, 0.4, 0.9], [0.9, 0.8, 0.2], [0.8, 0.3, 0.8],
  [0.3, 0.8, 0.8], [0.95, 0.55, 0.1], [0.6, 0.9, 0.5], [0.7, 0.5, 0.95], [0.95, 0.95, 0.95],
];

function paint(out: Float32Array, offset: number, label: number, rng: Random): void {
  const draw = painterFor(label, rng);
  const fg = CLASS_COLOURS[label].map((c) => Math.min(1, Math.max(0, c + rng.uniform(-0.2, 0.2))));
  const bgLevel = rng.uniform(0.05, 0.35);
  const bg = [0, 1, 2].map(() => bgLevel + rng.uniform(-0.05, 0.05));
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside = draw(x + 0.5, y + 0.5);
      const o = offset + (y * SIZE + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = (inside ? fg[c] : bg[c]) + 0.06 * rng.gaussian();
        out[o + c] = Math.min(1, Math.max(0, v));
      }
    }
  }
}

export function generateSynthetic(opts: { images: number; seed?: number }): LabeledImages {
  const count = opts.images;
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new ValidationError(`images: expected an integer from 1 to 1000000, got ${count}`);
  const seed = opts.seed ?? 42;
  const rng = seededRandom(seed);
  const x = new Float32Array(count * SIZE * SIZE * 3);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    // Balanced classes in a seeded order.
    labels[i] = i % 10;
  }
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = labels[i];
    labels[i] = labels[j];
    labels[j] = t;
  }
  for (let i = 0; i < count; i++) paint(x, i * SIZE * SIZE * 3, labels[i], rng);
  return { x, labels, count, height: SIZE, width: SIZE, classes: [...SYNTHETIC_CLASSES], source: `synthetic seed=${seed} images=${count}` };
}

/** One CIFAR-10 record: label byte, then 1024 R, 1024 G, 1024 B bytes (channel-major). */
export function encodeCifarRecords(images: LabeledImages, from: number, to: number): Buffer {
  const buf = Buffer.alloc((to - from) * RECORD_BYTES);
  const plane = SIZE * SIZE;
  for (let i = from; i < to; i++) {
    const rec = (i - from) * RECORD_BYTES;
    buf[rec] = images.labels[i];
    const src = i * plane * 3;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) buf[rec + 1 + c * plane + p] = Math.round(Math.min(1, Math.max(0, images.x[src + p * 3 + c])) * 255);
    }
  }
  return buf;
}

export interface CifarWriteResult {
  dir: string;
  files: string[];
  train: number;
  test: number;
}

/**
 * Writes `images` as CIFAR-10 binary files: data_batch_1..N.bin, test_batch.bin (a sixth of the
 * images, as in the official 50000/10000 split) and batches.meta.txt with the class names.
 */
export function writeCifarBinary(dir: string, images: LabeledImages, opts: { batches?: number; testFraction?: number } = {}): CifarWriteResult {
  if (images.height !== SIZE || images.width !== SIZE) throw new ValidationError(`CIFAR-10 records hold 32×32 images, got ${images.height}×${images.width}`);
  const batches = opts.batches ?? 5;
  if (!Number.isInteger(batches) || batches < 1 || batches > 100) throw new ValidationError(`batches: expected an integer from 1 to 100, got ${batches}`);
  const test = Math.floor(images.count * (opts.testFraction ?? 1 / 6));
  const train = images.count - test;
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const per = Math.ceil(train / batches);
  for (let b = 0; b < batches; b++) {
    const from = Math.min(train, b * per);
    const to = Math.min(train, from + per);
    const name = `data_batch_${b + 1}.bin`;
    writeFileAtomic(join(dir, name), encodeCifarRecords(images, from, to));
    files.push(name);
  }
  writeFileAtomic(join(dir, 'test_batch.bin'), encodeCifarRecords(images, train, images.count));
  files.push('test_batch.bin');
  writeFileAtomic(join(dir, 'batches.meta.txt'), `${images.classes.join('\n')}\n\n`);
  files.push('batches.meta.txt');
  return { dir, files, train, test };
}
