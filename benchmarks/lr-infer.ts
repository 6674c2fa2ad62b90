// Warm lr-infer in process: the handler's own cost per call for a 10-row batch (target: median
// under 0.2 ms), measured over many calls after a warm-up, next to the cost with JSON parsing
// of the request. Also re-checks the full linear-regression fit (10,000 samples, 50 epochs).
//   node --import tsx benchmarks/lr-infer.ts [--iterations 20000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEvent } from '../src/contract.ts';
import { localContext } from '../src/local-context.ts';
import { runLinearTraining } from '../src/ml/training-runs.ts';
import * as lrInfer from '../functions/lr-infer/handler.ts';

const argIndex = process.argv.indexOf('--iterations');
const iterations = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 20_000;
const warmup = Math.min(2000, iterations);
const modelsDir = mkdtempSync(join(tmpdir(), 'faasml-bench-lr-'));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(label: string, samples: number[]): { label: string; median: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { label, median: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((s, v) => s + v, 0) / samples.length };
}

try {
  const fit = await runLinearTraining({ formula: 'y = 3*x1 - 2*x2 + 1', samples: 10_000, epochs: 50, modelsDir });
  const worst = Math.max(...fit.coefficients.map((c) => Math.abs(c.fitted - c.true) / Math.abs(c.true)));
  console.log(`fit 10,000 samples × 50 epochs on ${fit.backend}: ${fit.trainSeconds.toFixed(2)} s, worst coefficient error ${(worst * 100).toExponential(2)} % (limit 1 %) ${worst <= 0.01 ? 'OK' : 'FAIL'}`);

  const ctx = localContext('lr-infer', { modelsDir });
  await lrInfer.init(ctx);
  const rows = Array.from({ length: 10 }, (_, i) => [i / 10, 1 - i / 10]);
  const raw = Buffer.from(JSON.stringify({ model: 'lr@latest', x: rows }));
  const request = { body: raw, headers: { 'content-type': 'application/json' }, method: 'POST' };
  const event = buildEvent(request);

  for (let i = 0; i < warmup; i++) await lrInfer.handle(buildEvent(request), ctx);
  const handlerOnly: number[] = [];
  const withParse: number[] = [];
  const computeMs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    let t0 = performance.now();
    const r = await lrInfer.handle(event, ctx);
    handlerOnly.push(performance.now() - t0);
    computeMs.push((r.body as { computeMs: number }).computeMs);
    t0 = performance.now();
    await lrInfer.handle(buildEvent(request), ctx);
    withParse.push(performance.now() - t0);
  }
  const results = [summary('handle(event) wall', handlerOnly), summary('handler computeMs', computeMs), summary('buildEvent + handle', withParse)];
  console.log(`\nlr-infer in process, warm, 10-row batch, ${iterations} calls after ${warmup} warm-up calls (backend ${fit.backend})`);
  console.log(`${'measure'.padEnd(22)}${'median ms'.padStart(11)}${'p99 ms'.padStart(10)}${'mean ms'.padStart(10)}${'median/0.2ms'.padStart(14)}`);
  for (const r of results) {
    console.log(`${r.label.padEnd(22)}${r.median.toFixed(4).padStart(11)}${r.p99.toFixed(4).padStart(10)}${r.mean.toFixed(4).padStart(10)}${(r.median / 0.2).toFixed(2).padStart(14)}`);
  }
  console.log(`\ntarget: median < 0.2 ms per call: ${results[0].median < 0.2 ? 'met' : 'NOT met'}`);
} finally {
  rmSync(modelsDir, { recursive: true, force: true });
}
