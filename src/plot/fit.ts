// Small statistics the sweep figures need: a least-squares line and the point where measured
// growth stops following it (the scaling limit a throughput-vs-threads plot is about).
import { ValidationError } from '../errors.js';

export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination: 1 for a perfect line, 0 when the line explains nothing. */
  r2: number;
}

function checkPoints(x: number[], y: number[], min: number): void {
  if (x.length !== y.length) throw new ValidationError(`x has ${x.length} values but y has ${y.length}`);
  if (x.length < min) throw new ValidationError(`need at least ${min} points, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new ValidationError(`point ${i} is not a finite number`, { x: x[i], y: y[i] });
    }
  }
}

/** Ordinary least squares y = slope·x + intercept. */
export function fitLine(x: number[], y: number[]): LineFit {
  checkPoints(x, y, 2);
  const n = x.length;
  const meanX = x.reduce((a, b) => a + b, 0) / n;
  const meanY = y.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - meanX;
    const dy = y[i] - meanY;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) throw new ValidationError('all x values are equal: no line fits');
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = y[i] - (slope * x[i] + intercept);
    sse += r * r;
  }
  // A constant y is fitted exactly by a flat line.
  const r2 = syy === 0 ? 1 : 1 - sse / syy;
  return { slope, intercept, r2 };
}

/**
 * The first x where growth stops being linear. A line is fitted on the first two points (in
 * increasing x); each next point is compared with the line fitted on the points before it, and
 * the first one whose y falls below that line by more than `tolerance` (a fraction: 0.1 = 10%)
 * is returned. Points that stay on the line join the fit, so noise early on averages out.
 * Returns undefined when every point stays on the line.
 */
export function linearUntil(x: number[], y: number[], tolerance = 0.1): number | undefined {
  checkPoints(x, y, 2);
  if (!(tolerance >= 0)) throw new ValidationError(`tolerance must be >= 0, got ${tolerance}`);
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  const xs = order.map((i) => x[i]);
  const ys = order.map((i) => y[i]);
  for (let i = 2; i < xs.length; i++) {
    const line = fitLine(xs.slice(0, i), ys.slice(0, i));
    const expected = line.slope * xs[i] + line.intercept;
    if (ys[i] < expected - Math.abs(expected) * tolerance) return xs[i];
  }
  return undefined;
}
