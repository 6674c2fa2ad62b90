// Image bytes (PNG or JPEG) to the model's input: HWC float RGB in 0..1, resized to 32×32 by
// area averaging (each output pixel is the mean of the source area it covers), alpha dropped.
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ValidationError } from '../errors.js';

const MAX_PIXELS = 25_000_000;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface RgbaImage {
  width: number;
  height: number;
  /** width*height*4 bytes, RGBA. */
  data: Uint8Array;
}

export function imageFormat(buf: Uint8Array): 'png' | 'jpeg' | null {
  if (buf.length >= 8 && Buffer.from(buf.subarray(0, 8)).equals(PNG_SIGNATURE)) return 'png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  return null;
}

/** Decodes PNG or JPEG bytes to RGBA; anything else, or a broken file, is a ValidationError. */
export function decodeRgba(buf: Uint8Array, what = 'image'): RgbaImage {
  const format = imageFormat(buf);
  if (!format) throw new ValidationError(`${what}: not a PNG or JPEG image (${buf.length} bytes)`);
  try {
    if (format === 'png') {
      // Check the header's size before decoding so a tiny file cannot claim a huge image.
      const width = Buffer.from(buf).readUInt32BE(16);
      const height = Buffer.from(buf).readUInt32BE(20);
      if (width * height > MAX_PIXELS) throw new ValidationError(`${what}: ${width}×${height} is over ${MAX_PIXELS} pixels`);
      const png = PNG.sync.read(Buffer.from(buf));
      return { width: png.width, height: png.height, data: png.data };
    }
    const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, data: img.data };
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(`${what}: cannot decode ${format.toUpperCase()}: ${(err as Error).message}`);
  }
}

/** Area-averaging resize of RGBA to RGB floats 0..1 (HWC). Upscaling falls back to nearest. */
export function resizeToRgbFloats(img: RgbaImage, height = 32, width = 32): Float32Array {
  const out = new Float32Array(height * width * 3);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let oy = 0; oy < height; oy++) {
    const y0 = oy * sy;
    const y1 = y0 + sy;
    for (let ox = 0; ox < width; ox++) {
      const x0 = ox * sx;
      const x1 = x0 + sx;
      let r = 0;
      let g = 0;
      let b = 0;
      let total = 0;
      for (let y = Math.floor(y0); y < Math.min(Math.ceil(y1), img.height); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        if (wy <= 0) continue;
        for (let x = Math.floor(x0); x < Math.min(Math.ceil(x1), img.width); x++) {
          const wx = Math.min(x + 1, x1) - Math.max(x, x0);
          if (wx <= 0) continue;
          const w = wx * wy;
          const p = (y * img.width + x) * 4;
          r += img.data[p] * w;
          g += img.data[p + 1] * w;
          b += img.data[p + 2] * w;
          total += w;
        }
      }
      const o = (oy * width + ox) * 3;
      out[o] = r / total / 255;
      out[o + 1] = g / total / 255;
      out[o + 2] = b / total / 255;
    }
  }
  return out;
}

/** PNG or JPEG bytes → Float32Array of height*width*3 (HWC RGB, 0..1). */
export function decodeImage(buf: Uint8Array, height = 32, width = 32, what = 'image'): Float32Array {
  const img = decodeRgba(buf, what);
  if (img.width < 1 || img.height < 1) throw new ValidationError(`${what}: empty image`);
  return resizeToRgbFloats(img, height, width);
}

/** HWC RGB floats 0..1 → PNG bytes (for writing sample images and tests). */
export function encodePng(x: Float32Array, height = 32, width = 32): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < height * width; i++) {
    for (let c = 0; c < 3; c++) png.data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(x[i * 3 + c] * 255)));
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}
