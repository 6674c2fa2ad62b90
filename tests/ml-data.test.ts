import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { generateSynthetic, SYNTHETIC_CLASSES, writeCifarBinary } from '../src/ml/data-synthetic.ts';
import { loadDataset, readCifar10, verifyAndExtract } from '../src/ml/data-cifar10.ts';
import { decodeImage, encodePng } from '../src/ml/images.ts';
import { FaasmlError } from '../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'faasml-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof FaasmlError ? err.statusCode : -1;
  }
  return undefined;
}

async function statusAsync(fn: () => Promise<unknown>): Promise<{ code?: number; message?: string }> {
  try {
    await fn();
  } catch (err) {
    return { code: err instanceof FaasmlError ? err.statusCode : -1, message: (err as Error).message };
  }
  return {};
}

async function tarGz(entries: { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe('synthetic data', () => {
  it('is deterministic by seed, balanced and within 0..1', () => {
    const a = generateSynthetic({ images: 50, seed: 7 });
    const b = generateSynthetic({ images: 50, seed: 7 });
    const c = generateSynthetic({ images: 50, seed: 8 });
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.x, b.x);
    assert.notDeepEqual(a.x, c.x);
    assert.equal(a.x.length, 50 * 32 * 32 * 3);
    assert.deepEqual(a.classes, SYNTHETIC_CLASSES);
    const counts = new Array(10).fill(0);
    for (const l of a.labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(5));
    assert.ok(a.x.every((v) => v >= 0 && v <= 1));
  });

  it('classes differ on average (the set is learnable)', () => {
    const d = generateSynthetic({ images: 200, seed: 1 });
    const px = 32 * 32 * 3;
    const means = Array.from({ length: 10 }, () => new Float64Array(px));
    const counts = new Array(10).fill(0);
    for (let i = 0; i < d.count; i++) {
      counts[d.labels[i]]++;
      for (let p = 0; p < px; p++) means[d.labels[i]][p] += d.x[i * px + p];
    }
    means.forEach((m, k) => m.forEach((_, p) => (m[p] /= counts[k])));
    // Nearest class mean classifies well above chance (10%) on the training images.
    let correct = 0;
    for (let i = 0; i < d.count; i++) {
      let best = 0;
      let bestDist = Infinity;
      for (let k = 0; k < 10; k++) {
        let dist = 0;
        for (let p = 0; p < px; p++) dist += (d.x[i * px + p] - means[k][p]) ** 2;
        if (dist < bestDist) [best, bestDist] = [k, dist];
      }
      if (best === d.labels[i]) correct++;
    }
    assert.ok(correct / d.count > 0.4, `nearest-mean accuracy ${correct / d.count}`);
  });
});

describe('CIFAR-10 binary round trip', () => {
  const images = generateSynthetic({ images: 60, seed: 3 });
  const folder = join(dir, 'cifar');
  const written = writeCifarBinary(folder, images, { batches: 2 });

  it('writes the official layout', () => {
    assert.deepEqual(written.files, ['data_batch_1.bin', 'data_batch_2.bin', 'test_batch.bin', 'batches.meta.txt']);
    assert.equal(written.train + written.test, 60);
    const b1 = readFileSync(join(folder, 'data_batch_1.bin'));
    assert.equal(b1.length % 3073, 0);
    // Channel-major: byte 1 is the red of pixel 0, byte 1025 its green.
    assert.equal(b1[0], images.labels[0]);
    assert.equal(b1[1], Math.round(images.x[0] * 255));
    assert.equal(b1[1 + 1024], Math.round(images.x[1] * 255));
    assert.equal(b1[1 + 2048], Math.round(images.x[2] * 255));
  });

  it('reads a folder back (HWC, 0..1, within quantisation)', async () => {
    const all = await readCifar10({ path: folder, split: 'all' });
    assert.equal(all.count, 60);
    assert.deepEqual(all.labels, images.labels);
    assert.deepEqual(all.classes, SYNTHETIC_CLASSES);
    let maxErr = 0;
    for (let i = 0; i < all.x.length; i++) maxErr = Math.max(maxErr, Math.abs(all.x[i] - images.x[i]));
    assert.ok(maxErr <= 0.5 / 255 + 1e-6, `max error ${maxErr}`);
    const train = await readCifar10({ path: folder });
    assert.equal(train.count, written.train);
    const test = await readCifar10({ path: folder, split: 'test' });
    assert.equal(test.count, written.test);
  });

  it('takes a seeded subset', async () => {
    const a = await readCifar10({ path: folder, images: 10, seed: 5, split: 'all' });
    const b = await readCifar10({ path: folder, images: 10, seed: 5, split: 'all' });
    assert.equal(a.count, 10);
    assert.deepEqual(a.x, b.x);
    assert.equal((await statusAsync(() => readCifar10({ path: folder, images: 1000 }))).code, 422);
  });

  it('reads the same records from a .tar.gz', async () => {
    const names = ['data_batch_1.bin', 'data_batch_2.bin', 'test_batch.bin', 'batches.meta.txt'];
    const gz = await tarGz(names.map((n) => ({ name: `cifar-10-batches-bin/${n}`, data: readFileSync(join(folder, n)) })));
    const archive = join(dir, 'cifar-10-binary.tar.gz');
    writeFileSync(archive, gz);
    const fromTar = await readCifar10({ path: archive, split: 'all' });
    const fromDir = await readCifar10({ path: folder, split: 'all' });
    assert.deepEqual(fromTar.x, fromDir.x);
    assert.deepEqual(fromTar.labels, fromDir.labels);
    assert.deepEqual(fromTar.classes, SYNTHETIC_CLASSES);

    const md5 = createHash('md5').update(gz).digest('hex');
    const out = join(dir, 'extracted');
    const res = await verifyAndExtract(archive, out, md5);
    assert.equal(res.md5, md5);
    assert.equal((await readCifar10({ path: out, split: 'all' })).count, 60);
    const bad = await statusAsync(() => verifyAndExtract(archive, join(dir, 'x'), '0'.repeat(32)));
    assert.equal(bad.code, 422);
    assert.match(bad.message!, /md5/);
  });

  it('rejects a truncated file naming it, and a missing path', async () => {
    const broken = join(dir, 'broken');
    writeCifarBinary(broken, images, { batches: 1 });
    writeFileSync(join(broken, 'data_batch_1.bin'), Buffer.alloc(3073 * 2 + 5));
    const r = await statusAsync(() => readCifar10({ path: broken }));
    assert.equal(r.code, 422);
    assert.match(r.message!, /data_batch_1\.bin/);
    assert.equal((await statusAsync(() => readCifar10({ path: join(dir, 'nope') }))).code, 404);
    assert.equal((await statusAsync(() => loadDataset(join(dir, 'nope')))).code, 404);
  });

  it('loadDataset gives synthetic data and folders alike', async () => {
    const s = await loadDataset('synthetic', { images: 20, seed: 2 });
    assert.equal(s.count, 20);
    const f = await loadDataset(folder, { images: 5, seed: 1 });
    assert.equal(f.count, 5);
  });
});

describe('image decode', () => {
  it('decodes and resizes PNG with alpha to 32×32×3', () => {
    const png = new PNG({ width: 64, height: 48 });
    for (let i = 0; i < 64 * 48; i++) png.data.set([255, 0, 0, 10], i * 4);
    const x = decodeImage(PNG.sync.write(png));
    assert.equal(x.length, 32 * 32 * 3);
    assert.ok(Math.abs(x[0] - 1) < 1e-6 && x[1] === 0 && x[2] === 0);
  });

  it('round-trips our own PNG encoding exactly at 32×32', () => {
    const img = generateSynthetic({ images: 1, seed: 9 }).x;
    const back = decodeImage(encodePng(img));
    for (let i = 0; i < img.length; i++) assert.ok(Math.abs(back[i] - img[i]) <= 0.5 / 255 + 1e-6);
  });

  it('decodes JPEG (small upscaled)', () => {
    const raw = { width: 8, height: 8, data: Buffer.alloc(8 * 8 * 4, 128) };
    const x = decodeImage(jpeg.encode(raw, 95).data);
    assert.equal(x.length, 3072);
    assert.ok(x.every((v) => Math.abs(v - 128 / 255) < 0.03));
  });

  it('bad bytes are a 422', () => {
    assert.equal(status(() => decodeImage(Buffer.from('hello'))), 422);
    assert.equal(status(() => decodeImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3, 4, 0, 0, 0, 1, 0, 0, 0, 1, 9]))), 422);
    assert.equal(status(() => decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]))), 422);
  });
});
