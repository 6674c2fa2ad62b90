// Generic plotly figure builders. Every figure gets the same report style: readable fonts at a
// column's width (>= 14 px before the export scale), a title, axis titles with units and a
// legend. plotly.js 3+ only accepts titles as objects ({ text }), a plain string silently
// disappears, so all titles are built here and nowhere else.
import { ValidationError } from '../errors.js';

/** A plotly figure plus the file stem it is exported under. */
export interface Figure {
  data: object[];
  layout: object;
  /** File stem that says what the figure shows, e.g. 'lr-infer-throughput-vs-threads'. */
  name: string;
}

export type LineMode = 'lines+markers' | 'markers' | 'lines';

export interface LineSeries {
  name: string;
  x: number[];
  y: number[];
  mode?: LineMode;
  /** plotly dash style: 'solid', 'dash', 'dot', 'dashdot'. */
  dash?: string;
  /** Symmetric error bar per point. */
  error?: number[];
}

export interface LineFigureOptions {
  name: string;
  title: string;
  x: { title: string; log?: boolean };
  y: { title: string; log?: boolean };
  series: LineSeries[];
}

export interface BarSeries {
  name: string;
  values: number[];
  error?: number[];
}

export interface BarFigureOptions {
  name: string;
  title: string;
  categories: string[];
  x?: { title: string };
  y: { title: string; log?: boolean };
  series: BarSeries[];
  stacked?: boolean;
}

export interface TableFigureOptions {
  name: string;
  title: string;
  header: string[];
  rows: (string | number)[][];
}

/** Colour-blind-safe palette (Okabe–Ito), in the order series are drawn. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

const FONT = { family: 'DejaVu Sans, Arial, sans-serif', size: 16, color: '#222' };
const FILE_STEM = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function checkName(name: string): void {
  if (!FILE_STEM.test(name)) {
    throw new ValidationError(`figure name must be a file stem of letters, digits, '.', '_' or '-', got '${name}'`);
  }
}

function axis(title: string, log = false): object {
  return {
    title: { text: title, font: { size: 18 }, standoff: 12 },
    type: log ? 'log' : 'linear',
    automargin: true,
    showline: true,
    linecolor: '#444',
    mirror: true,
    ticks: 'outside',
    gridcolor: '#e5e5e5',
    zeroline: false,
    tickfont: { size: 15 },
  };
}

/** The shared report layout; builders add axes and anything figure-specific. */
export function baseLayout(title: string): Record<string, unknown> {
  return {
    title: { text: title, font: { size: 22 }, x: 0.5, xanchor: 'center' },
    font: FONT,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    colorway: PALETTE,
    showlegend: true,
    legend: { font: { size: 15 }, bgcolor: 'rgba(255,255,255,0.85)', bordercolor: '#ccc', borderwidth: 1 },
    margin: { l: 80, r: 30, t: 80, b: 70 },
    hovermode: 'closest',
  };
}

function checkSeriesLengths(series: string, lengths: Record<string, number | undefined>, expected: number): void {
  for (const [what, n] of Object.entries(lengths)) {
    if (n !== undefined && n !== expected) {
      throw new ValidationError(`series '${series}': ${what} has ${n} values, expected ${expected}`);
    }
  }
}

export function lineFigure(opts: LineFigureOptions): Figure {
  checkName(opts.name);
  const data = opts.series.map((s) => {
    checkSeriesLengths(s.name, { y: s.y.length, error: s.error?.length }, s.x.length);
    const mode = s.mode ?? 'lines+markers';
    const trace: Record<string, unknown> = {
      type: 'scatter',
      name: s.name,
      x: s.x,
      y: s.y,
      mode,
      line: { width: 3, dash: s.dash ?? 'solid' },
      marker: { size: 9 },
    };
    if (s.error) trace.error_y = { type: 'data', array: s.error, visible: true, thickness: 1.5, width: 5 };
    return trace;
  });
  const layout = baseLayout(opts.title);
  layout.xaxis = axis(opts.x.title, opts.x.log);
  layout.yaxis = axis(opts.y.title, opts.y.log);
  return { name: opts.name, data, layout };
}

export function barFigure(opts: BarFigureOptions): Figure {
  checkName(opts.name);
  const data = opts.series.map((s) => {
    checkSeriesLengths(s.name, { values: s.values.length, error: s.error?.length }, opts.categories.length);
    const trace: Record<string, unknown> = {
      type: 'bar',
      name: s.name,
      x: opts.categories,
      y: s.values,
      // Values on the bars make the figure readable without a hover.
      text: s.values.map((v) => (Number.isFinite(v) ? formatValue(v) : '')),
      textposition: opts.stacked ? 'inside' : 'outside',
      textfont: { size: 14 },
      cliponaxis: false,
    };
    if (s.error) trace.error_y = { type: 'data', array: s.error, visible: true, thickness: 1.5, width: 5 };
    return trace;
  });
  const layout = baseLayout(opts.title);
  layout.barmode = opts.stacked ? 'stack' : 'group';
  // A value label that would need a smaller font than this is hidden rather than unreadable.
  layout.uniformtext = { minsize: 12, mode: 'hide' };
  layout.xaxis = { ...axis(opts.x?.title ?? ''), type: 'category', ticks: '' };
  layout.yaxis = axis(opts.y.title, opts.y.log);
  return { name: opts.name, data, layout };
}

/** A plain table, for numbers a notebook wants to show next to its plots. */
export function tableFigure(opts: TableFigureOptions): Figure {
  checkName(opts.name);
  for (const [i, row] of opts.rows.entries()) {
    if (row.length !== opts.header.length) {
      throw new ValidationError(`row ${i} has ${row.length} cells, the header has ${opts.header.length}`);
    }
  }
  const columns = opts.header.map((_, c) => opts.rows.map((r) => (typeof r[c] === 'number' ? formatValue(r[c] as number) : r[c])));
  const data = [
    {
      type: 'table',
      header: { values: opts.header, font: { size: 16, color: '#fff' }, fill: { color: PALETTE[0] }, align: 'left', height: 34 },
      cells: { values: columns, font: { size: 15 }, align: 'left', height: 30 },
    },
  ];
  const layout = baseLayout(opts.title);
  layout.showlegend = false;
  return { name: opts.name, data, layout };
}

/** Three significant digits, no exponent for everyday magnitudes. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}
