// The study's three answers, written from the measured numbers only: whatever the numbers say,
// the sentences follow them (nothing here is decided in advance).
import type { ThreadSweep } from './sweeps.js';
import { growth, toSweepRun } from './sweeps.js';
import type { TrainingTiming } from './faas-training.js';

const s1 = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const times = (a: number, b: number): string => {
  const r = a / b;
  return r >= 1 ? `${r.toFixed(2)}× as long as` : `${(1 / r).toFixed(2)}× faster than`;
};

/** Q1: is training on FaaS faster or slower than locally, and by how much? */
export function trainingAnswer(timings: TrainingTiming[]): string {
  if (timings.length === 0) return 'Training on FaaS against local: not measured yet (run notebook 02).';
  const lines: string[] = [];
  for (const workload of [...new Set(timings.map((t) => t.workload))]) {
    const of = (where: string) => timings.find((t) => t.workload === workload && t.where === where);
    const local = of('local');
    const cold = of('faas (cold)');
    const warm = of('faas (warm)');
    if (!local) continue;
    const parts = [`locally ${s1(local.seconds)} s`];
    if (cold) parts.push(`on FaaS from a cold start ${s1(cold.seconds)} s (${times(cold.seconds, local.seconds)} local)`);
    if (warm) parts.push(`on a warm instance ${s1(warm.seconds)} s (${times(warm.seconds, local.seconds)} local)`);
    lines.push(`**${workload}**: ${parts.join('; ')}.`);
  }
  return `**1. Training on FaaS against locally.**\n${lines.join('\n')}`;
}

/** Q2: how throughput, response time and CPU grow with concurrent invocations. */
export function growthAnswer(sweeps: ThreadSweep[]): string {
  const lines: string[] = [];
  for (const sw of sweeps) {
    const run = toSweepRun(sw);
    const levels = [...run.levels].sort((a, b) => a.level - b.level);
    if (levels.length < 2) continue;
    const first = levels[0];
    const last = levels[levels.length - 1];
    const rows = growth([run]);
    const thr = rows.find((r) => r.metric.startsWith('throughput'));
    const knee = thr?.linearUntil;
    const cpu = first.cpuPercent !== undefined && last.cpuPercent !== undefined ? `; platform CPU ${s1(first.cpuPercent)} % → ${s1(last.cpuPercent)} % of all cores` : '';
    lines.push(
      `**${sw.functionName}** on ${sw.label}, ${first.level} → ${last.level} threads: throughput ${s1(first.throughput)} → ${s1(last.throughput)} req/s ` +
        `(${knee !== undefined ? `linear growth stops at ${knee} threads` : 'no level fell below the linear fit by more than 10 %'}); ` +
        `average response time ${s1(first.avgMs)} → ${s1(last.avgMs)} ms, p95 ${s1(first.p95Ms)} → ${s1(last.p95Ms)} ms${cpu}.`,
    );
  }
  return `**2. Growth with concurrent invocations.**\n${lines.join('\n') || 'No sweep measured yet (run notebook 03).'}`;
}

/** Q3: which platform does better, at the highest load every platform was measured at. */
export function platformAnswer(byFunction: Map<string, ThreadSweep[]>): string {
  const lines: string[] = [];
  for (const [fn, sweeps] of byFunction) {
    if (sweeps.length < 2) continue;
    const runs = sweeps.map((s) => toSweepRun(s));
    const common = runs.map((r) => new Set(r.levels.map((l) => l.level))).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
    const level = Math.max(...common);
    if (!Number.isFinite(level)) continue;
    const at = runs.map((r) => ({ label: r.label, l: r.levels.find((l) => l.level === level)! }));
    const best = [...at].sort((a, b) => b.l.throughput - a.l.throughput)[0];
    const fastest = [...at].sort((a, b) => a.l.p95Ms - b.l.p95Ms)[0];
    const others = at.filter((a) => a !== best).map((a) => `${a.label} ${s1(a.l.throughput)} req/s (${(best.l.throughput / a.l.throughput).toFixed(2)}×)`);
    lines.push(
      `**${fn}** at ${level} threads: the most throughput on ${best.label}, ${s1(best.l.throughput)} req/s, against ${others.join(', ')}; ` +
        `the lowest p95 on ${fastest.label}, ${s1(fastest.l.p95Ms)} ms.`,
    );
  }
  return `**3. Which platform does better.**\n${lines.join('\n') || 'Fewer than two platforms measured.'}`;
}
