// Turning the user's words into numbers: durations ("20s", "1m", "500ms"), level lists
// ("1,2,4"), headers ("Name: value"). Every bad input is a ValidationError that says what was wrong.
import { ValidationError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "20s", "1.5m", "1h", "1m30s"; a bare number means seconds. */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new ValidationError(`${what} must be a non-negative number of seconds, got ${text}`);
    return text * 1000;
  }
  const s = String(text).trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed += m[0].length;
  }
  if (s.length === 0 || consumed !== s.length) {
    throw new ValidationError(`${what} "${text}" does not parse: use a number with a unit, like 500ms, 20s, 1m or 1m30s`);
  }
  return total;
}

/** "1,2,4,8" → [1,2,4,8]: positive numbers, integers when asked. */
export function parseLevels(text: string | number[] | undefined, what: string, integers: boolean): number[] {
  const parts = Array.isArray(text) ? text.map(String) : String(text ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new ValidationError(`${what} is empty: give one or more numbers, like 1,2,4`);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n) || n <= 0 || (integers && !Number.isInteger(n))) {
      throw new ValidationError(`${what} has "${p}": each entry must be a positive ${integers ? 'whole number' : 'number'}`);
    }
    return n;
  });
}

/** ["Name: value", ...] → { name: value }. */
export function parseHeaders(lines: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines ?? []) {
    const i = line.indexOf(':');
    if (i <= 0) throw new ValidationError(`header "${line}" does not parse: use "Name: value"`);
    out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

export function parsePositive(text: string | number | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ValidationError(`${what} must be a positive number, got "${text}"`);
  return n;
}
