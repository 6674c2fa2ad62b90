import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { printResult } from './output.js';

export function register(program: Command): void {
  program
    .command('notebooks')
    .description('execute the notebooks headless, in order, in place (the main job behind `make study`)')
    .argument('[notebooks...]', 'notebook files (default: every notebooks/NN-*.ipynb)')
    .option('--quick', 'the quick profile: small sizes, minutes instead of half an hour')
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml notebooks --quick\n  $ faasml notebooks notebooks/01-train-locally.ipynb')
    .action(async (files: string[], opts: { quick?: boolean; json?: boolean }) => {
      const { listNotebooks, runNotebooks } = await import('../study/notebooks.js');
      const paths = files.length ? files.map((f) => resolve(f)) : listNotebooks();
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
}
