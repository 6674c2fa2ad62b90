// `faasml bench` (a load sweep against a function or any URL) and `faasml compare` (runs side by
// side). Thin: options become SweepOptions for runSweep, the run is written with writeRun.
import type { Command } from 'commander';
import { ValidationError } from '../errors.js';
import { printResult, table } from './output.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface BenchFlags {
  url?: string;
  gateway?: string;
  header?: string[];
  auth?: string;
  method?: string;
  body?: string;
  data?: string;
  threads?: string;
  rate?: string;
  arrival?: string;
  duration?: string;
  iterations?: string;
  warmup?: string;
  rampUp?: string;
  think?: string;
  timeout?: string;
  maxOutstanding?: string;
  connections?: string;
  memory?: string;
  label?: string;
  seed?: string;
  out?: string;
  serverMetrics?: boolean;
  preflight?: boolean;
  json?: boolean;
}

function wholeNumber(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new ValidationError(`${what} must be a positive whole number, got "${text}"`);
  return n;
}

async function bench(fn: string | undefined, flags: BenchFlags): Promise<void> {
  const { runSweep, writeRun, defaultRunDir, levelRow, LEVEL_HEADER, costTable, parseHeaders } = await import('../bench/index.js');
  if (flags.body !== undefined && flags.data !== undefined) throw new ValidationError('give either --body or --data, not both');
  if (!fn && !flags.url) throw new ValidationError('give a function name (faasml bench lr-infer) or --url');
  if (fn && flags.url) throw new ValidationError('give either a function name or --url, not both');
  if (flags.threads !== undefined && flags.rate !== undefined) throw new ValidationError('give either --threads (closed loop) or --rate (open loop), not both');
  const memory = flags.memory === undefined ? undefined : Number(flags.memory);
  if (memory !== undefined && !(memory > 0)) throw new ValidationError(`--memory must be a positive number of MB, got "${flags.memory}"`);

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nfaasml: stopping the load (Ctrl-C again to quit without writing)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const tty = !!process.stderr.isTTY && !flags.json;
  const { default: cliProgress } = tty ? await import('cli-progress') : { default: null };
  let bar: import('cli-progress').SingleBar | null = null;
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  try {
    const run = await runSweep(
      {
        url: flags.url,
        functionName: fn,
        gateway: flags.gateway,
        method: flags.method,
        headers: parseHeaders(flags.header),
        auth: flags.auth,
        body: flags.body ?? flags.data,
        threads: flags.rate === undefined ? flags.threads ?? '1' : undefined,
        rates: flags.rate,
        arrival: flags.arrival as 'constant' | 'poisson' | undefined,
        duration: flags.duration ?? (flags.iterations ? undefined : '10s'),
        iterations: wholeNumber(flags.iterations, '--iterations'),
        warmup: flags.warmup,
        rampUp: flags.rampUp,
        thinkTime: flags.think,
        timeout: flags.timeout,
        maxOutstanding: wholeNumber(flags.maxOutstanding, '--max-outstanding'),
        connections: wholeNumber(flags.connections, '--connections'),
        memoryMb: memory,
        label: flags.label,
        seed: flags.seed === undefined ? undefined : wholeNumber(flags.seed, '--seed'),
        serverMetrics: flags.serverMetrics === false ? false : undefined,
        preflight: flags.preflight,
        signal: controller.signal,
      },
      (p) => {
        if (p.type === 'level-start') {
          const name = `${p.mode === 'closed' ? 'threads' : 'rate'} ${p.level}${p.mode === 'open' ? '/s' : ''} (${p.index + 1}/${p.count})`;
          if (cliProgress && p.plannedMs !== null) {
            bar = new cliProgress.SingleBar(
              { format: `${name} |{bar}| {percentage}% {requests} req, {errors} errors`, stream: process.stderr, hideCursor: true },
              cliProgress.Presets.shades_classic,
            );
            bar.start(Math.round(p.plannedMs), 0, { requests: 0, errors: 0 });
          } else if (!flags.json) process.stderr.write(`${name}...\n`);
        } else if (p.type === 'tick') {
          bar?.update(Math.round(p.elapsedMs), { requests: p.counters.completed, errors: p.counters.errors });
        } else if (p.type === 'level-end') {
          stopBar();
        } else if (p.type === 'warning') {
          stopBar();
          process.stderr.write(`faasml: warning: ${p.message}\n`);
        }
      },
    );
    stopBar();
    const dir = await writeRun(run, flags.out ?? defaultRunDir(run));
    const { requests: _r, samples: _s, ...summary } = run;
    printResult({ ...summary, dir }, flags, () => {
      const cost = costTable(run.levels);
      const lines = [
        `${run.target.method} ${run.target.url}${run.serverMetrics ? '' : ' (client view only)'}`,
        '',
        table(LEVEL_HEADER, run.levels.map(levelRow)),
      ];
      if (cost.header.length > 2) lines.push('', `cost per million requests (${run.settings.memoryMb} MB, at avg latency):`, table(cost.header, cost.rows));
      for (const l of run.levels) {
        if (l.errors > 0) lines.push('', `level ${l.level} errors: ${Object.entries(l.errorsByKind).map(([k, n]) => `${k} ${n}`).join(', ')} (e.g. ${l.errorExamples[0] ?? ''})`);
      }
      if (run.interrupted) lines.push('', 'interrupted: the last level is partial');
      lines.push('', `results: ${dir}`);
      return lines.join('\n');
    });
    if (run.interrupted) process.exitCode = 130;
  } finally {
    stopBar();
    process.off('SIGINT', onSigint);
  }
}

async function compare(dirs: string[], flags: { json?: boolean }): Promise<void> {
  const { loadRun, compareRuns, comparisonTable } = await import('../bench/index.js');
  if (dirs.length === 0) throw new ValidationError('give one or more run directories');
  const runs = await Promise.all(dirs.map((d) => loadRun(d)));
  const c = compareRuns(runs, dirs);
  printResult(c, flags, () => {
    const t = comparisonTable(c);
    const names = c.runs.map((r, i) => `  ${i === 0 ? 'baseline' : `run ${i + 1}`}: ${r.label} (${r.id}) ${r.target}`);
    return [...names, '', table(t.header, t.rows), '', 'x = ratio to the baseline (first run)'].join('\n');
  });
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('Load-test a function on the gateway, or any URL: closed loop (--threads) or open loop (--rate)')
    .argument('[function]', 'function name on the gateway (e.g. lr-infer); omit when giving --url')
    .option('--url <url>', 'any http(s) URL instead of a function on the gateway')
    .option('--gateway <url>', 'gateway base URL (default FAASML_GATEWAY or http://127.0.0.1:8080)')
    .option('-H, --header <header>', 'request header "Name: value" (repeatable)', collect)
    .option('--auth <user:pass>', 'basic auth (also taken from user:pass@ in the URL)')
    .option('-X, --method <method>', 'HTTP method (default POST with a body, GET without)')
    .option('--body <body>', 'request body: text, @file, or a template with {{i}} / {{random}}')
    .option('--data <body>', 'same as --body')
    .option('--threads <list>', 'closed loop: thread counts per level, e.g. 1,2,4,8 (default 1)')
    .option('--rate <list>', 'open loop: requests per second per level, e.g. 5,10,20')
    .option('--arrival <kind>', 'open loop arrivals: constant or poisson', 'constant')
    .option('--duration <time>', 'measured time per level, e.g. 20s, 1m, 500ms (default 10s)')
    .option('--iterations <n>', 'instead of --duration: requests per thread (closed) or per level (open)')
    .option('--warmup <time>', 'warm-up per level, left out of the results', '0s')
    .option('--ramp-up <time>', 'closed loop: start the threads spread over this time', '0s')
    .option('--think <time>', 'closed loop: pause after each response', '0ms')
    .option('--timeout <time>', 'per-request timeout', '30s')
    .option('--max-outstanding <n>', 'open loop: most requests in flight; more count as errors', '10000')
    .option('--connections <n>', 'open loop: HTTP connections (default 64)')
    .option('--memory <mb>', 'function memory size for the cost estimate', '1024')
    .option('--label <label>', 'run label (names the results folder)')
    .option('--seed <n>', 'seed for Poisson arrivals and random bodies', '1')
    .option('--out <dir>', 'results folder (default results/<label>-<time>)')
    .option('--no-server-metrics', 'do not read the gateway /metrics and /system endpoints')
    .option('--no-preflight', 'skip the reachability check before the sweep')
    .option('--json', 'print the run summary as one JSON object')
    .addHelpText(
      'after',
      `
Example:
  $ faasml bench lr-infer --threads 1,2,4,8 --duration 20s --warmup 5s
  $ faasml bench --url https://APP.azurewebsites.net/api/lr-infer --header "x-functions-key: $KEY" \\
      --body @payload.json --threads 1,4,16 --duration 30s --label azure
  $ faasml bench resnet-infer --rate 5,10,20 --arrival poisson --duration 30s`,
    )
    .action((fn: string | undefined, flags: BenchFlags) => bench(fn, flags));

  program
    .command('compare')
    .description('Compare benchmark runs level by level: throughput, avg, p95, error % and ratios to the first run')
    .argument('<dirs...>', 'run directories written by faasml bench (the first is the baseline)')
    .option('--json', 'print the comparison as one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml compare results/azure results/openfaas results/local')
    .action((dirs: string[], flags: { json?: boolean }) => compare(dirs, flags));
}
