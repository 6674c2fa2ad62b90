// A run directory: run.json (settings, environment, target), levels.json (per-level summary),
// requests.jtl.csv and requests.jsonl (every request), samples.jsonl, summary.md. `writeRun`
// writes it and `loadRun` reads it back into the same RunResult.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { parseJsonLines, toJtlLine, JTL_HEADER } from './record.js';
import type { LevelSummary, RequestRecord, RunResult, Sample } from './types.js';

export const RUN_FILES = {
  run: 'run.json',
  levels: 'levels.json',
  jtl: 'requests.jtl.csv',
  requests: 'requests.jsonl',
  samples: 'samples.jsonl',
  summary: 'summary.md',
} as const;

export function resultsDir(): string {
  return resolve(process.env.FAASML_RESULTS ?? join(projectRoot(), 'results'));
}

export function defaultRunDir(run: RunResult): string {
  return join(resultsDir(), run.id);
}

/** Writes lines through a stream: a run may hold millions of requests. */
async function writeLines<T>(file: string, items: T[], line: (x: T) => string, header?: string): Promise<void> {
  const out = createWriteStream(file);
  const done = new Promise<void>((res, rej) => {
    out.on('finish', () => res());
    out.on('error', rej);
  });
  if (header !== undefined) out.write(`${header}\n`);
  const CHUNK = 5000;
  for (let i = 0; i < items.length; i += CHUNK) {
    const text = items.slice(i, i + CHUNK).map((x) => `${line(x)}\n`).join('');
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  out.end();
  await done;
}

export async function writeRun(run: RunResult, dir: string = defaultRunDir(run)): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { levels, requests, samples, ...meta } = run;
  await writeFile(join(dir, RUN_FILES.run), `${JSON.stringify(meta, null, 2)}\n`);
  await writeFile(join(dir, RUN_FILES.levels), `${JSON.stringify(levels, null, 2)}\n`);
  await writeLines(join(dir, RUN_FILES.jtl), requests, (r) => toJtlLine(r, run.settings.label, run.target.url), JTL_HEADER.join(','));
  await writeLines(join(dir, RUN_FILES.requests), requests, (r) => JSON.stringify(r));
  await writeLines(join(dir, RUN_FILES.samples), samples, (s) => JSON.stringify(s));
  await writeFile(join(dir, RUN_FILES.summary), summaryMarkdown(run));
  return dir;
}

export async function loadRun(dir: string): Promise<RunResult> {
  const runFile = join(dir, RUN_FILES.run);
  if (!existsSync(runFile)) throw new NotFoundError(`"${dir}" is not a run directory (no ${RUN_FILES.run})`);
  try {
    const meta = JSON.parse(await readFile(runFile, 'utf8')) as Omit<RunResult, 'levels' | 'requests' | 'samples'>;
    const levels = JSON.parse(await readFile(join(dir, RUN_FILES.levels), 'utf8')) as LevelSummary[];
    const read = async (name: string) => (existsSync(join(dir, name)) ? readFile(join(dir, name), 'utf8') : '');
    const requests = parseJsonLines<RequestRecord>(await read(RUN_FILES.requests));
    const samples = parseJsonLines<Sample>(await read(RUN_FILES.samples));
    return { ...meta, levels, requests, samples };
  } catch (err) {
    throw new ValidationError(`run directory "${dir}" does not read`, (err as Error).message);
  }
}

// ---- human-readable summaries -------------------------------------------------------------

export function fmt(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toFixed(digits);
}

export function pct(share: number | null | undefined): string {
  return share === null || share === undefined ? '-' : `${(share * 100).toFixed(0)}%`;
}

export function usd(n: number | undefined): string {
  if (n === undefined) return '-';
  return n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(3)}`;
}

export const LEVEL_HEADER = ['level', 'requests', 'req/s', 'avg ms', 'p50', 'p90', 'p95', 'p99', 'max', 'err %', 'cold', 'cpu platform', 'cpu machine', 'gen cpu'];

export function levelRow(l: LevelSummary): string[] {
  return [
    `${l.level}${l.mode === 'open' ? '/s' : ''}`,
    String(l.requests),
    fmt(l.throughput),
    fmt(l.latency.avg, 2),
    fmt(l.latency.p50, 2),
    fmt(l.latency.p90, 2),
    fmt(l.latency.p95, 2),
    fmt(l.latency.p99, 2),
    fmt(l.latency.max, 2),
    fmt(l.errorPct, 2),
    String(l.coldStarts),
    pct(l.cpuPlatformAvg),
    pct(l.cpuMachineAvg),
    `${pct(l.generatorCpu)}${l.generatorSaturated ? '!' : ''}`,
  ];
}

/** Cost per million requests at each level's average latency, one column per plan. */
export function costTable(levels: LevelSummary[]): { header: string[]; rows: string[][] } {
  const plans = levels.find((l) => l.costPerMillion.length)?.costPerMillion.map((c) => `${c.platform} ${c.plan}`) ?? [];
  return {
    header: ['level', 'avg ms', ...plans],
    rows: levels.map((l) => [`${l.level}${l.mode === 'open' ? '/s' : ''}`, fmt(l.latency.avg, 2), ...plans.map((_, i) => usd(l.costPerMillion[i]?.totalUsd))]),
  };
}

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function summaryMarkdown(run: RunResult): string {
  const s = run.settings;
  const e = run.environment;
  const load = s.mode === 'closed' ? `closed loop, threads ${s.levels.join(', ')}` : `open loop (${s.arrival}), rates ${s.levels.join(', ')} req/s`;
  const span = s.durationMs !== null ? `${s.durationMs / 1000} s per level` : `${s.iterations} iterations`;
  const cost = costTable(run.levels);
  const lines = [
    `# ${run.id}`,
    '',
    `- target: ${run.target.method} ${run.target.url}`,
    `- load: ${load}; ${span}, warm-up ${s.warmupMs / 1000} s, ramp-up ${s.rampUpMs / 1000} s, think ${s.thinkTimeMs} ms, timeout ${s.timeoutMs / 1000} s`,
    `- machine: ${e.cpuModel}, ${e.cores} cores, Node ${e.node}${e.tfjs ? `, tfjs ${e.tfjs}` : ''}`,
    `- server metrics: ${run.serverMetrics ? 'yes (platform CPU, memory, instances, queue)' : 'no (client view only)'}`,
    `- started ${run.startedAt}, finished ${run.finishedAt}${run.interrupted ? ' (interrupted)' : ''}`,
    '',
    '## Levels (latency in ms)',
    '',
    mdTable(LEVEL_HEADER, run.levels.map(levelRow)),
    '',
    `## Estimated cost per million requests (${s.memoryMb} MB, at the average latency)`,
    '',
    cost.rows.length && cost.header.length > 2 ? mdTable(cost.header, cost.rows) : '(no successful requests)',
    '',
  ];
  const errors = run.levels.filter((l) => l.errors > 0);
  if (errors.length) {
    lines.push('## Errors', '');
    for (const l of errors) lines.push(`- level ${l.level}: ${Object.entries(l.errorsByKind).map(([k, n]) => `${k} ${n}`).join(', ')}; e.g. ${l.errorExamples[0] ?? ''}`);
    lines.push('');
  }
  if (run.warnings.length) lines.push('## Warnings', '', ...run.warnings.map((w) => `- ${w}`), '');
  return lines.join('\n');
}
