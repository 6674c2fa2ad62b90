// Cost estimates from measured durations and a memory size, with the editable price table in
// prices.yml (FAASML_PRICES points at another file). Each plan's billing rules (memory rounding,
// minimum billed duration) are data in the table, so updating prices needs no code change.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ValidationError } from '../errors.js';
import { projectRoot } from '../paths.js';
import type { CostRow } from './types.js';

export interface PricePlan {
  platform: string;
  plan: string;
  gb_second_usd: number;
  per_million_usd: number;
  memory_round_mb?: number;
  memory_sizes_mb?: number[];
  min_memory_mb?: number;
  duration_round_ms?: number;
  min_duration_ms?: number;
  free_gb_seconds?: number;
  free_requests?: number;
}

export interface PriceTable {
  source: string;
  checked: string;
  plans: PricePlan[];
}

export interface CostInput {
  /** Duration of one execution (ms). */
  durationMs: number;
  /** Memory configured for the function (MB). */
  memoryMb: number;
  /** Number of executions. */
  requests: number;
  /** Subtract the monthly free grant (default false). */
  freeGrant?: boolean;
  prices?: PriceTable;
}

export function pricesFile(): string {
  return process.env.FAASML_PRICES ?? join(projectRoot(), 'src', 'bench', 'prices.yml');
}

let cached: { file: string; table: PriceTable } | null = null;

export function loadPrices(file = pricesFile()): PriceTable {
  if (cached?.file === file) return cached.table;
  if (!existsSync(file)) throw new ValidationError(`price table "${file}" does not exist`);
  const doc = parse(readFileSync(file, 'utf8')) as Partial<PriceTable> | null;
  if (!doc || !Array.isArray(doc.plans)) throw new ValidationError(`price table "${file}" has no "plans" list`);
  for (const p of doc.plans) {
    if (typeof p.gb_second_usd !== 'number' || typeof p.per_million_usd !== 'number') {
      throw new ValidationError(`price table "${file}": plan "${p.platform} ${p.plan}" needs gb_second_usd and per_million_usd numbers`);
    }
  }
  const table = { source: String(doc.source ?? ''), checked: String(doc.checked ?? ''), plans: doc.plans };
  cached = { file, table };
  return table;
}

function roundUp(value: number, step: number | undefined): number {
  return step && step > 0 ? Math.ceil(value / step - 1e-9) * step : value;
}

export function billedMemoryMb(plan: PricePlan, memoryMb: number): number {
  const m = Math.max(memoryMb, plan.min_memory_mb ?? 0);
  if (plan.memory_sizes_mb?.length) {
    const sizes = [...plan.memory_sizes_mb].sort((a, b) => a - b);
    return sizes.find((s) => s >= m) ?? sizes[sizes.length - 1];
  }
  return roundUp(m, plan.memory_round_mb);
}

export function billedDurationMs(plan: PricePlan, durationMs: number): number {
  return Math.max(plan.min_duration_ms ?? 0, roundUp(durationMs, plan.duration_round_ms));
}

/** One row per plan in the price table: what `requests` executions of `durationMs` at `memoryMb` cost. */
export function estimateCost(input: CostInput): CostRow[] {
  if (!(input.durationMs >= 0) || !(input.memoryMb > 0) || !(input.requests >= 0)) {
    throw new ValidationError('a cost estimate needs durationMs >= 0, memoryMb > 0 and requests >= 0', input);
  }
  const table = input.prices ?? loadPrices();
  return table.plans.map((plan) => {
    const memoryMbBilled = billedMemoryMb(plan, input.memoryMb);
    const billed = billedDurationMs(plan, input.durationMs);
    const gbSeconds = (input.requests * billed * memoryMbBilled) / 1000 / 1024;
    const chargedGbs = input.freeGrant ? Math.max(0, gbSeconds - (plan.free_gb_seconds ?? 0)) : gbSeconds;
    const chargedRequests = input.freeGrant ? Math.max(0, input.requests - (plan.free_requests ?? 0)) : input.requests;
    const computeUsd = chargedGbs * plan.gb_second_usd;
    const requestUsd = (chargedRequests / 1e6) * plan.per_million_usd;
    return {
      platform: plan.platform,
      plan: plan.plan,
      memoryMbBilled,
      billedDurationMs: billed,
      gbSeconds,
      computeUsd,
      requestUsd,
      totalUsd: computeUsd + requestUsd,
    };
  });
}

/** The cost of one training run of `durationMs` as a single execution. */
export function estimateTrainingCost(durationMs: number, memoryMb: number): CostRow[] {
  return estimateCost({ durationMs, memoryMb, requests: 1 });
}
