// Tables in notebooks: an HTML table inline in tslab, a padded text table anywhere else.
import * as tslab from 'tslab';
import { table } from '../cli/output.js';
import { inNotebook } from '../plot/index.js';

export type Cell = string | number;

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

function formatCell(v: Cell): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 0.001 || abs >= 1e6) ? v.toExponential(3) : v.toFixed(abs < 1 ? 4 : 2);
}

export function showTable(header: string[], rows: Cell[][], caption?: string): void {
  const cells = rows.map((r) => r.map(formatCell));
  if (!inNotebook()) {
    process.stdout.write(`${caption ? `${caption}\n` : ''}${table(header, cells)}\n`);
    return;
  }
  const th = header.map((h) => `<th>${escape(h)}</th>`).join('');
  const body = cells.map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('');
  const cap = caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escape(caption)}</caption>` : '';
  tslab.display.html(`<table>${cap}<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`);
}

/** A short paragraph of markdown-ish text (the measured answers), shown as HTML in a notebook. */
export function showText(text: string): void {
  if (!inNotebook()) {
    process.stdout.write(`${text}\n`);
    return;
  }
  const html = text
    .split(/\n{2,}/)
    .map((p) => `<p>${escape(p).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>').replace(/\n/g, '<br>')}</p>`)
    .join('');
  tslab.display.html(html);
}
