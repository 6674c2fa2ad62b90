import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { estimateCost, estimateTrainingCost, loadPrices } from '../src/bench/cost.ts';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

test('the price table lists Azure Consumption, Flex Consumption and AWS Lambda x86/arm with a source', () => {
  const t = loadPrices();
  assert.ok(t.source.length > 0);
  const names = t.plans.map((p) => `${p.platform} ${p.plan}`);
  for (const want of ['Azure Functions Consumption', 'Azure Functions Flex Consumption (on demand)', 'AWS Lambda x86_64', 'AWS Lambda arm64']) {
    assert.ok(names.includes(want), want);
  }
});

test('a million requests of 100 ms at 1024 MB', () => {
  const rows = Object.fromEntries(estimateCost({ durationMs: 100, memoryMb: 1024, requests: 1_000_000 }).map((r) => [`${r.platform} ${r.plan}`, r]));
  // 1e6 x 0.1 s x 1 GB = 100,000 GB-s.
  const azure = rows['Azure Functions Consumption'];
  assert.equal(azure.gbSeconds, 100_000);
  assert.ok(close(azure.computeUsd, 1.6) && close(azure.requestUsd, 0.2) && close(azure.totalUsd, 1.8));
  const lambda = rows['AWS Lambda x86_64'];
  assert.ok(close(lambda.totalUsd, 100_000 * 0.0000166667 + 0.2));
  const arm = rows['AWS Lambda arm64'];
  assert.ok(close(arm.totalUsd, 100_000 * 0.0000133334 + 0.2));
  // Flex bills the 2048 MB instance size and at least 1 s per execution.
  const flex = rows['Azure Functions Flex Consumption (on demand)'];
  assert.equal(flex.memoryMbBilled, 2048);
  assert.equal(flex.billedDurationMs, 1000);
  assert.ok(close(flex.totalUsd, 2_000_000 * 0.000026 + 0.4));
});

test('billing rules: Azure rounds memory up to 128 MB and bills at least 100 ms; Lambda bills per ms', () => {
  const rows = estimateCost({ durationMs: 20.2, memoryMb: 1000, requests: 1 });
  const azure = rows.find((r) => r.plan === 'Consumption')!;
  assert.equal(azure.memoryMbBilled, 1024);
  assert.equal(azure.billedDurationMs, 100);
  const lambda = rows.find((r) => r.plan === 'x86_64')!;
  assert.equal(lambda.memoryMbBilled, 1000);
  assert.equal(lambda.billedDurationMs, 21);
  const training = estimateTrainingCost(3_600_000, 2048).find((r) => r.plan === 'x86_64')!;
  assert.ok(close(training.computeUsd, 3600 * 2 * 0.0000166667));
});

test('the free grant is applied only when asked, and an edited table is used', async () => {
  const free = estimateCost({ durationMs: 100, memoryMb: 1024, requests: 1_000_000, freeGrant: true });
  assert.equal(free.find((r) => r.plan === 'x86_64')!.totalUsd, 0);
  const dir = await mkdtemp(join(tmpdir(), 'faasml-prices-'));
  try {
    const file = join(dir, 'prices.yml');
    await writeFile(file, 'source: test\nchecked: today\nplans:\n  - platform: P\n    plan: A\n    gb_second_usd: 1\n    per_million_usd: 10\n');
    const [row] = estimateCost({ durationMs: 500, memoryMb: 2048, requests: 2, prices: loadPrices(file) });
    assert.equal(row.gbSeconds, 2);
    assert.ok(close(row.totalUsd, 2 + 20e-6));
    await writeFile(join(dir, 'bad.yml'), 'plans: 3\n');
    assert.throws(() => loadPrices(join(dir, 'bad.yml')), /no "plans" list/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.throws(() => estimateCost({ durationMs: -1, memoryMb: 1024, requests: 1 }), /durationMs/);
});
