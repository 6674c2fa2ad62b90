import { basename, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { printResult } from './output.js';

function parseFormats(text: string): ('html' | 'png' | 'svg')[] {
  const formats = text.split(',').map((f) => f.trim()).filter(Boolean);
  const bad = formats.filter((f) => !['html', 'png', 'svg'].includes(f));
  if (bad.length || formats.length === 0) throw new Error(`--format: expected a list of html, png, svg; got '${text}'`);
  return formats as ('html' | 'png' | 'svg')[];
}

export function register(program: Command): void {
  program
    .command('notebooks')
    .description('Execute the notebooks headless, in order, in place (the main job behind `make study`)')
    .argument('[notebooks...]', 'notebook files (default: every notebooks/NN-*.ipynb)')
    .option('--quick', 'the quick profile: small sizes, minutes instead of half an hour')
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml notebooks --quick\n  $ faasml notebooks notebooks/01-train-locally.ipynb')
    .action(async (files: string[], opts: { quick?: boolean; json?: boolean }) => {
      const { listNotebooks, runNotebooks } = await import('../study/notebooks.js');
      const paths = files.length ? files.map((f) => resolve(f)) : listNotebooks();
      const { existsSync } = await import('node:fs');
      const { NotFoundError } = await import('../errors.js');
      const missing = paths.filter((p) => !existsSync(p));
      if (missing.length) throw new NotFoundError(`no notebook at ${missing.join(', ')}`);
      const runs = await runNotebooks(paths, {
        quick: opts.quick,
        onStart: (p) => process.stderr.write(`running ${basename(p)}${opts.quick ? ' (quick profile)' : ''} ...\n`),
        onDone: (r) => process.stderr.write(`${r.ok ? 'done' : 'FAILED'} ${basename(r.notebook)} in ${r.seconds.toFixed(0)} s\n`),
      });
      const failed = runs.find((r) => !r.ok);
      printResult({ runs }, opts, () => runs.map((r) => `${r.ok ? 'ok    ' : 'FAILED'} ${basename(r.notebook)}  ${r.seconds.toFixed(1)} s`).join('\n'));
      if (failed) {
        process.stderr.write(`\nfaasml: ${basename(failed.notebook)} failed:\n${failed.error}\n`);
        process.exit(1);
      }
    });

  program
    .command('study')
    .description("The notebooks' experiments in one process, without Jupyter: train locally, FaaS against local training, thread sweeps, platform comparison, figures and the three answers")
    .option('--quick', 'the quick profile: small sizes, minutes instead of half an hour')
    .option('--out <dir>', 'results folder (default results/, or FAASML_RESULTS)')
    .option('--format <list>', 'figure formats', 'html,png,svg')
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml study --quick\n  $ faasml study --out results/run-2 --format png')
    .action(async (opts: { quick?: boolean; out?: string; format: string; json?: boolean }) => {
      const formats = parseFormats(opts.format);
      if (opts.out) process.env.FAASML_RESULTS = resolve(opts.out);
      const { studyParams } = await import('../study/params.js');
      const { runStudy } = await import('../study/run-study.js');
      const params = studyParams(opts.quick ? 'quick' : undefined);
      const result = await runStudy(params, (line) => process.stderr.write(`${line}\n`), formats);
      printResult(result, opts, (r) => `${r.answers}\n\nwrote ${r.written.length} files:\n${r.written.map((p) => `  ${relative(process.cwd(), p)}`).join('\n')}`);
    });

  program
    .command('figures')
    .description('Re-export figures from raw data: a study folder (results/study) or one benchmark run folder')
    .argument('[dir]', 'results/study (default) or a run folder written by faasml bench')
    .option('--format <list>', 'figure formats', 'html,png,svg')
    .option('--out <dir>', 'where to write them (default figures/)')
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml figures --format png,svg\n  $ faasml figures results/lr-infer-2026-12-04T20-00-00 --format html,png')
    .action(async (dir: string | undefined, opts: { format: string; out?: string; json?: boolean }) => {
      const formats = parseFormats(opts.format);
      const { existsSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { NotFoundError } = await import('../errors.js');
      let written: string[];
      if (dir && existsSync(join(dir, 'run.json'))) {
        const { loadRun } = await import('../bench/index.js');
        const { exportFigures, sweepFigure } = await import('../plot/index.js');
        const { toSweepRun } = await import('../study/sweeps.js');
        const run = await loadRun(dir);
        const stem = basename(resolve(dir)).replace(/[^A-Za-z0-9._-]+/g, '-');
        const metrics = (['throughput', 'avgLatency', 'p95Latency', 'cpu'] as const).filter((m) => m !== 'cpu' || run.serverMetrics);
        const figs = metrics.map((m) => sweepFigure(m, [toSweepRun({ label: run.settings.label, run })], { name: `${stem}-${m}`, fit: run.levels.length >= 2, xTitle: run.settings.mode === 'open' ? 'Arrival rate (requests/s)' : undefined }));
        written = await exportFigures(figs, { formats, dir: opts.out });
      } else {
        if (dir) process.env.FAASML_RESULTS = resolve(dir, dir.replace(/\/$/, '').endsWith('study') ? '..' : '.');
        const { studyDir } = await import('../study/store.js');
        if (!existsSync(studyDir())) throw new NotFoundError(`no study results in ${studyDir()}: run the notebooks (make study) or faasml study first, or give a run folder`);
        const { writeStudyFigures } = await import('../study/run-study.js');
        written = (await writeStudyFigures(formats, opts.out)).written;
      }
      printResult({ written }, opts, (r) => `wrote ${r.written.length} files:\n${r.written.map((p) => `  ${relative(process.cwd(), p)}`).join('\n')}`);
    });
}
