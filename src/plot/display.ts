// Inline display in a tslab notebook. One output carries three representations and Jupyter
// front ends pick the best they can show:
// - 'application/vnd.plotly.v1+json' ({data, layout}): drawn natively where the plotly
//   renderer extension is installed (jupyterlab-plotly), whether or not the notebook is trusted;
// - 'text/html': a <div> plus a script; the first figure of a kernel session also inlines the
//   plotly bundle, later ones wait for window.Plotly. Runs in trusted notebooks (the live
//   session, or after `jupyter trust`) and in `jupyter nbconvert --to html` pages;
// - 'text/plain': what terminals and untrusted viewers without the extension show.
// tslab's public display API sends one MIME type per output, so the bundle goes through the
// kernel's own display-data writer, the one tslab.display uses.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import type { Figure } from './figure.js';
import { FigureExporter, findChromium } from './export.js';
import { escapeHtml, figureFragment, plotlyBundle } from './html.js';

type WriteDisplayData = (data: { data: Record<string, unknown>; metadata: object; transient: object }, update: boolean) => void;

const INLINED = Symbol.for('faasml.plot.plotlyInlined');
const NOTED = Symbol.for('faasml.plot.displayNoted');

/** The running tslab kernel's display writer, or undefined outside a notebook cell. */
function kernelWriter(): WriteDisplayData | undefined {
  const require = createRequire(join(projectRoot(), 'package.json'));
  let path: string;
  try {
    path = require.resolve('tslab/dist/jupyter');
  } catch {
    return undefined;
  }
  // Only a kernel has loaded it; requiring it here would start nothing useful.
  const loaded = require.cache[path];
  const writer = (loaded?.exports as { lastWriteDisplayData?: WriteDisplayData } | undefined)?.lastWriteDisplayData;
  return typeof writer === 'function' ? writer : undefined;
}

export function inNotebook(): boolean {
  return kernelWriter() !== undefined;
}

export interface DisplayOptions {
  /** Inline the plotly bundle in this output even if an earlier one did (e.g. after re-running cells out of order). */
  includeBundle?: boolean;
  /** Height of the inline figure in CSS pixels (default 560). */
  height?: number;
}

/**
 * The MIME bundle display() sends; exported so tests can check it without a kernel. With a
 * PNG, untrusted viewers see that image instead of the note about trust.
 */
export function displayBundle(fig: Figure, opts: DisplayOptions & { withPlotly: boolean; png?: Buffer }): Record<string, unknown> {
  const divId = `faasml-${fig.name}-${randomBytes(4).toString('hex')}`;
  const title = (fig.layout as { title?: { text?: string } }).title?.text ?? fig.name;
  const note =
    `Interactive figure "${title}": the notebook is not trusted, so its script did not run. ` +
    `Trust it (JupyterLab command "Trust Notebook", or jupyter trust <file>) and reopen, or open figures/${fig.name}.html.`;
  const placeholderHtml = opts.png
    ? `<img src="data:image/png;base64,${opts.png.toString('base64')}" alt="${escapeHtml(title)}" style="width:100%;max-width:1000px">`
    : undefined;
  const head = opts.withPlotly ? `<script>${plotlyBundle()}</script>\n` : '';
  return {
    'application/vnd.plotly.v1+json': { data: fig.data, layout: fig.layout },
    'text/html': head + figureFragment(fig, divId, { height: opts.height, placeholder: note, placeholderHtml }),
    'text/plain': `[figure ${fig.name}: ${title}]`,
  };
}

function noteOutsideNotebook(fig: Figure): void {
  const state = globalThis as Record<symbol, unknown>;
  if (state[NOTED]) return;
  state[NOTED] = true;
  process.stdout.write(`[figure ${fig.name}: display() draws only in a tslab notebook; exportFigures() writes HTML/PNG/SVG files]\n`);
}

function send(write: WriteDisplayData, fig: Figure, opts: DisplayOptions, png?: Buffer): void {
  const state = globalThis as Record<symbol, unknown>;
  const withPlotly = opts.includeBundle === true || !state[INLINED];
  write({ data: displayBundle(fig, { ...opts, withPlotly, png }), metadata: {}, transient: {} }, false);
  state[INLINED] = true;
}

/** Shows the figure inline in a tslab notebook; outside a notebook it prints a one-time note. */
export function display(fig: Figure, opts: DisplayOptions = {}): void {
  const write = kernelWriter();
  if (!write) return noteOutsideNotebook(fig);
  send(write, fig, opts);
}

/**
 * Like display(), and also draws a PNG (headless Chromium, one browser per kernel) that viewers
 * show when they do not run the figure's script: untrusted notebooks, sanitizing renderers.
 * `await` it so the output lands in the calling cell. Without Chromium it falls back to display().
 */
export async function displayWithImage(fig: Figure, opts: DisplayOptions = {}): Promise<void> {
  // Taken before awaiting: the writer belongs to the cell that is running now.
  const write = kernelWriter();
  if (!write) return noteOutsideNotebook(fig);
  let png: Buffer | undefined;
  if (findChromium()) {
    const exporter = await sharedExporter();
    png = (await exporter.render(fig, 'png', { ...INLINE_IMAGE_SIZE, height: opts.height ?? INLINE_IMAGE_SIZE.height })) as Buffer;
  }
  send(write, fig, opts, png);
}

/** Inline images: the size the notebook shows them at, scale 1 keeps the saved notebook small. */
const INLINE_IMAGE_SIZE = { width: 1000, height: 560, scale: 1 };
const EXPORTER = Symbol.for('faasml.plot.displayExporter');

function sharedExporter(): Promise<FigureExporter> {
  const state = globalThis as Record<symbol, Promise<FigureExporter> | undefined>;
  let exporter = state[EXPORTER];
  if (!exporter) {
    exporter = FigureExporter.open();
    // A failed start is not cached: the next call tries again.
    exporter.catch(() => {
      state[EXPORTER] = undefined;
    });
    state[EXPORTER] = exporter;
  }
  return exporter;
}

/** Closes the browser displayWithImage() keeps for the kernel (it also ends with the kernel). */
export async function closeDisplayBrowser(): Promise<void> {
  const state = globalThis as Record<symbol, Promise<FigureExporter> | undefined>;
  const exporter = state[EXPORTER];
  state[EXPORTER] = undefined;
  if (exporter) await (await exporter.catch(() => undefined))?.close();
}
