// Export figures to files: HTML always (no browser needed), PNG and SVG through one headless
// Chromium that draws every figure with Plotly.toImage in a single page.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ValidationError } from '../errors.js';
import { figuresDir } from '../paths.js';
import { checkName, type Figure } from './figure.js';
import { plotlyBundle, toHtml } from './html.js';

export type ExportFormat = 'html' | 'png' | 'svg';

export interface ExportOptions {
  /** Output folder; figuresDir() by default. */
  dir?: string;
  formats?: ExportFormat[];
  /** Layout size in CSS pixels; PNG files are width·scale × height·scale. */
  width?: number;
  height?: number;
  scale?: number;
}

/** Report defaults: laid out at 1000×625 so 16 px text stays readable at a column's width, drawn at 2× for print. */
export const DEFAULT_SIZE = { width: 1000, height: 625, scale: 2 };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export class ChromiumNotFoundError extends Error {
  constructor(readonly htmlWritten: string[] = []) {
    const wrote = htmlWritten.length > 0 ? `HTML was written (${htmlWritten.join(', ')}); ` : '';
    super(
      `no Chromium found for PNG/SVG export: ${wrote}install one (Debian/Ubuntu: 'apt-get install chromium') ` +
        `or point FAASML_CHROMIUM at a Chromium or Chrome executable`,
    );
    this.name = 'ChromiumNotFoundError';
  }
}

/** FAASML_CHROMIUM, else /usr/bin/chromium, else chromium-browser / google-chrome on PATH. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.FAASML_CHROMIUM;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

function checkSize(opts: { width: number; height: number; scale: number }): void {
  for (const [key, v] of Object.entries(opts)) {
    if (!(Number.isFinite(v) && v > 0)) throw new ValidationError(`${key} must be a positive number, got ${v}`);
  }
  if (opts.width * opts.scale > 8000 || opts.height * opts.scale > 8000) {
    throw new ValidationError(`image too large: ${opts.width * opts.scale}×${opts.height * opts.scale} px (max 8000 per side)`);
  }
}

// Structural types for the parts of playwright-core we use (a persistent context is a browser
// with its own profile dir), so this module does not load it until a figure is exported.
interface PageLike {
  setContent(html: string): Promise<void>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}
interface BrowserLike {
  newPage(): Promise<PageLike>;
  close(): Promise<void>;
}

/**
 * One Chromium and one page with plotly loaded, reused for every figure; close() when done.
 * Created with `await FigureExporter.open()`.
 */
export class FigureExporter {
  private constructor(
    private readonly browser: BrowserLike,
    private readonly page: PageLike,
    private readonly profileDir: string,
  ) {}

  static async open(executablePath = findChromium()): Promise<FigureExporter> {
    if (!executablePath) throw new ChromiumNotFoundError();
    const { chromium } = await import('playwright-core');
    // A fresh profile per exporter: no state leaks between runs or users.
    const profileDir = mkdtempSync(join(tmpdir(), 'faasml-chromium-'));
    let browser: BrowserLike | undefined;
    try {
      browser = (await chromium.launchPersistentContext(profileDir, {
        executablePath,
        headless: true,
        args: CHROMIUM_ARGS,
      })) as unknown as BrowserLike;
      const page = await browser.newPage();
      await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><script>${plotlyBundle()}</script></head><body></body></html>`);
      // A process that ends without close() (a notebook kernel shut down) still removes its profile.
      process.once('exit', () => rmSync(profileDir, { recursive: true, force: true }));
      return new FigureExporter(browser, page, profileDir);
    } catch (err) {
      await browser?.close().catch(() => undefined);
      rmSync(profileDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The figure as PNG bytes or SVG text, drawn at width×height CSS px times scale. */
  async render(fig: Figure, format: 'png' | 'svg', size: Partial<typeof DEFAULT_SIZE> = {}): Promise<Buffer | string> {
    const { width, height, scale } = { ...DEFAULT_SIZE, ...size };
    checkSize({ width, height, scale });
    const url = await this.page.evaluate(
      async (arg: { data: object[]; layout: object; format: string; width: number; height: number; scale: number }) => {
        const plotly = (globalThis as unknown as { Plotly: { toImage(fig: object, opts: object): Promise<string> } }).Plotly;
        return plotly.toImage({ data: arg.data, layout: arg.layout }, { format: arg.format, width: arg.width, height: arg.height, scale: arg.scale });
      },
      { data: fig.data, layout: fig.layout, format, width, height, scale: format === 'svg' ? 1 : scale },
    );
    return decodeDataUrl(url, format);
  }

  async close(): Promise<void> {
    try {
      await this.browser.close();
    } finally {
      rmSync(this.profileDir, { recursive: true, force: true });
    }
  }
}

function decodeDataUrl(url: string, format: 'png' | 'svg'): Buffer | string {
  const comma = url.indexOf(',');
  const head = url.slice(0, comma);
  const body = url.slice(comma + 1);
  if (format === 'png') return Buffer.from(body, 'base64');
  return head.endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
}

/**
 * Writes each figure as `<dir>/<name>.<format>` and returns the paths written. HTML needs no
 * browser and is always written first; PNG and SVG share one Chromium, closed before returning.
 */
export async function exportFigures(figs: Figure[], opts: ExportOptions = {}): Promise<string[]> {
  const dir = opts.dir ?? figuresDir();
  const formats = [...new Set<ExportFormat>(['html', ...(opts.formats ?? ['html', 'png'])])];
  for (const f of formats) {
    if (!['html', 'png', 'svg'].includes(f)) throw new ValidationError(`unknown figure format '${f}'`, { known: ['html', 'png', 'svg'] });
  }
  const size = { width: opts.width ?? DEFAULT_SIZE.width, height: opts.height ?? DEFAULT_SIZE.height, scale: opts.scale ?? DEFAULT_SIZE.scale };
  checkSize(size);
  const names = new Set<string>();
  for (const fig of figs) {
    checkName(fig.name);
    if (names.has(fig.name)) throw new ValidationError(`two figures are named '${fig.name}': their files would overwrite each other`);
    names.add(fig.name);
  }
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const fig of figs) {
    const path = join(dir, `${fig.name}.html`);
    writeFileSync(path, toHtml(fig));
    written.push(path);
  }
  const images = formats.filter((f): f is 'png' | 'svg' => f !== 'html');
  if (images.length === 0 || figs.length === 0) return written;
  const chromium = findChromium();
  if (!chromium) throw new ChromiumNotFoundError(written);
  const exporter = await FigureExporter.open(chromium);
  try {
    for (const fig of figs) {
      for (const format of images) {
        const path = join(dir, `${fig.name}.${format}`);
        writeFileSync(path, await exporter.render(fig, format, size));
        written.push(path);
      }
    }
  } finally {
    await exporter.close();
  }
  return written;
}
