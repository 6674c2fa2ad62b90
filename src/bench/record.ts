// Per-request records on disk: JSON lines (everything, for faasml) and CSV in JMeter's JTL
// layout (so JMeter's report generator and other JTL tools read our runs).
import type { RequestRecord } from './types.js';

export const JTL_HEADER = [
  'timeStamp', 'elapsed', 'label', 'responseCode', 'responseMessage', 'threadName', 'dataType', 'success',
  'failureMessage', 'bytes', 'sentBytes', 'grpThreads', 'allThreads', 'URL', 'Latency', 'IdleTime', 'Connect',
] as const;

export type JtlRow = Record<(typeof JTL_HEADER)[number], string>;

function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** JMeter's sampler label: one per level, so its aggregate report groups by level. */
export function jtlLabel(runLabel: string, r: RequestRecord): string {
  return `${runLabel} ${r.thread >= 0 ? 'threads' : 'rate'}=${r.level}`;
}

export function toJtlLine(r: RequestRecord, runLabel: string, url: string): string {
  const ok = !r.error;
  const code = r.status > 0 ? String(r.status) : `Non HTTP response code: ${r.errorKind}`;
  const threadName = r.thread >= 0 ? `${runLabel} ${r.level}-${r.thread + 1}` : `${runLabel} open`;
  const fields: (string | number | boolean)[] = [
    Math.round(r.start),
    Math.round(r.latencyMs),
    jtlLabel(runLabel, r),
    code,
    ok ? 'OK' : r.error.replace(/\s+/g, ' ').slice(0, 300),
    threadName,
    'text',
    ok,
    ok ? '' : r.error.replace(/\s+/g, ' ').slice(0, 300),
    r.bytes,
    r.sentBytes,
    r.activeThreads,
    r.activeThreads,
    url,
    Math.round(r.firstByteMs),
    0,
    0,
  ];
  return fields.map(csvField).join(',');
}

export function toJtl(records: RequestRecord[], runLabel: string, url: string): string {
  return [JTL_HEADER.join(','), ...records.map((r) => toJtlLine(r, runLabel, url))].join('\n') + '\n';
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function parseJtl(text: string): JtlRow[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])) as JtlRow);
}

export function toJsonLines<T>(items: T[]): string {
  return items.map((x) => JSON.stringify(x)).join('\n') + (items.length ? '\n' : '');
}

export function parseJsonLines<T>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as T);
}
