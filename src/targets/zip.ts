// A small zip writer (and a central-directory reader to check it): deflate from node:zlib,
// the container written by hand per PKWARE's APPNOTE. Enough for a Functions deployment
// package (`az functionapp deployment source config-zip`): no zip64, no encryption.
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ValidationError } from '../errors.js';

export interface ZipInput {
  /** Path inside the archive, with forward slashes. */
  name: string;
  data: Buffer;
  /** Unix permission bits (0o644 by default; 0o755 for executables). */
  mode?: number;
}

export interface ZipEntryInfo {
  name: string;
  size: number;
  compressedSize: number;
  crc32: number;
  method: 'stored' | 'deflate';
  /** Offset of the entry's local header. */
  offset: number;
}

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const END_SIG = 0x06054b50;
const MAX_32 = 0xffffffff;

function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** The archive as one buffer; entries keep the given order. */
export function writeZip(entries: ZipInput[], modified = new Date()): Buffer {
  if (entries.length > 0xffff) throw new ValidationError(`a zip without zip64 holds at most 65535 files, not ${entries.length}`);
  const { time, date } = dosDateTime(modified);
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name.replace(/\\/g, '/'), 'utf8');
    const deflated = deflateRawSync(entry.data, { level: 6 });
    // Already-compressed data (wasm compresses well, but zips and images do not) is stored.
    const stored = deflated.length >= entry.data.length;
    const payload = stored ? entry.data : deflated;
    const crc = crc32(entry.data) >>> 0;
    if (payload.length >= MAX_32 || offset >= MAX_32) throw new ValidationError('the archive is over 4 GiB; zip64 is not supported');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_SIG, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // flag: names are UTF-8
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    chunks.push(local, name, payload);

    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(CENTRAL_SIG, 0);
    dir.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, spec 2.0 (so the mode bits count)
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0800, 8);
    dir.writeUInt16LE(stored ? 0 : 8, 10);
    dir.writeUInt16LE(time, 12);
    dir.writeUInt16LE(date, 14);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(payload.length, 20);
    dir.writeUInt32LE(entry.data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt16LE(0, 30); // extra
    dir.writeUInt16LE(0, 32); // comment
    dir.writeUInt16LE(0, 34); // disk
    dir.writeUInt16LE(0, 36); // internal attributes
    dir.writeUInt32LE((((0o100000 | (entry.mode ?? 0o644)) << 16) >>> 0), 38); // regular file + mode
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    offset += local.length + name.length + payload.length;
  }
  const centralBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_SIG, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, centralBuf, end]);
}

/** Lists an archive's central directory (throws ValidationError when it is not a zip). */
export function readZipDirectory(zip: Buffer): ZipEntryInfo[] {
  let endAt = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_SIG) {
      endAt = i;
      break;
    }
  }
  if (endAt < 0) throw new ValidationError('not a zip archive: no end of central directory record');
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const out: ZipEntryInfo[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_SIG) throw new ValidationError(`zip central directory entry ${i} is corrupt`);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    out.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLen),
      method: zip.readUInt16LE(at + 10) === 8 ? 'deflate' : 'stored',
      crc32: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      offset: zip.readUInt32LE(at + 42),
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** One file's bytes, checked against its CRC. */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  const entry = readZipDirectory(zip).find((e) => e.name === name);
  if (!entry) throw new ValidationError(`the zip has no entry '${name}'`);
  if (zip.readUInt32LE(entry.offset) !== LOCAL_SIG) throw new ValidationError(`zip entry '${name}' has no local header`);
  const start = entry.offset + 30 + zip.readUInt16LE(entry.offset + 26) + zip.readUInt16LE(entry.offset + 28);
  const payload = zip.subarray(start, start + entry.compressedSize);
  const data = entry.method === 'deflate' ? inflateRawSync(payload) : Buffer.from(payload);
  if ((crc32(data) >>> 0) !== entry.crc32) throw new ValidationError(`zip entry '${name}' fails its CRC check`);
  return data;
}
