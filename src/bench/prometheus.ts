// A small reader for the Prometheus text format the gateway's /metrics serves: enough to sum a
// metric's series and to look them up by label.

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Series[] {
  const out: Series[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    const value = Number(m[4]);
    if (Number.isFinite(value)) out.push({ name: m[1], labels, value });
  }
  return out;
}

export function seriesOf(all: Series[], name: string): Series[] {
  return all.filter((s) => s.name === name);
}

export function sumOf(all: Series[], name: string): number | null {
  const s = seriesOf(all, name);
  return s.length ? s.reduce((a, b) => a + b.value, 0) : null;
}

/** A stable key for one series, to take deltas of counters between two scrapes. */
export function seriesKey(s: Series): string {
  return `${s.name}{${Object.keys(s.labels).sort().map((k) => `${k}=${s.labels[k]}`).join(',')}}`;
}
