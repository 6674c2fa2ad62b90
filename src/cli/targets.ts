// `faasml build|deploy azure|openfaas` and `faasml targets`: thin wrappers over src/targets/.
// The build code (esbuild, yaml) loads inside the actions so `faasml --help` stays fast.
import type { Command } from 'commander';
import { printResult, table } from './output.js';

interface BuildFlags {
  out?: string;
  functions?: string;
  models?: string;
  zip?: boolean;
  json?: boolean;
}

interface DeployFlags {
  app?: string;
  resourceGroup?: string;
  gateway?: string;
  dir?: string;
  functions?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** A progress bar on stderr when it is a terminal (steps: name, index, total); stop() clears it. */
async function stepBar(): Promise<{ onStep?: (step: string, index: number, total: number) => void; stop(): void }> {
  if (!process.stderr.isTTY) return { stop: () => undefined };
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar({ stream: process.stderr, format: 'build [{bar}] {value}/{total} {step}', clearOnComplete: true }, Presets.shades_classic);
  let started = false;
  return {
    onStep: (step, index, total) => {
      if (!started) bar.start(total, index, { step });
      else bar.update(index, { step });
      started = true;
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

export function register(program: Command): void {
  program
    .command('build')
    .description('Build the functions for a real platform: an Azure Functions app folder and zip, or OpenFaaS build contexts')
    .argument('<platform>', 'azure or openfaas')
    .option('--out <dir>', 'output folder (default build/<platform>)')
    .option('--functions <list>', 'comma-separated workloads (default all: lr-train,lr-infer,resnet-train,resnet-infer)')
    .option('--models <dir>', 'openfaas: a model store folder to bake into the images')
    .option('--no-zip', 'azure: skip the zip')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nExample:\n  $ faasml build azure --out build/azure\n  $ faasml build openfaas --out build/openfaas --functions lr-infer,resnet-infer',
    )
    .action(async (platformName: string, flags: BuildFlags) => {
      const { checkPlatform } = await import('../targets/workloads.js');
      const platform = checkPlatform(platformName);
      const bar = await stepBar();
      if (platform === 'azure') {
        const { buildAzure } = await import('../targets/azure.js');
        const r = await buildAzure({ out: flags.out, functions: flags.functions, zip: flags.zip, onStep: bar.onStep }).finally(() => bar.stop());
        printResult(r, flags, (x) =>
          [
            `Azure Functions app for ${x.functions.join(', ')} in ${x.outDir}`,
            `  entry ${x.entry} (${kb(x.bundleBytes)}), ${x.files.length} files`,
            x.zipPath ? `  zip   ${x.zipPath} (${kb(x.zipBytes ?? 0)})` : '  zip   skipped',
            ...x.warnings.map((w) => `  warning: ${w}`),
            `Deploy: faasml deploy azure --app NAME --resource-group RG --dir ${x.outDir}`,
          ].join('\n'),
        );
      } else {
        const { buildOpenFaas } = await import('../targets/openfaas.js');
        const r = await buildOpenFaas({ out: flags.out, functions: flags.functions, models: flags.models, onStep: bar.onStep }).finally(() =>
          bar.stop(),
        );
        printResult(r, flags, (x) =>
          [
            `OpenFaaS functions in ${x.outDir} (stack ${x.stackFile})`,
            table(
              ['function', 'bundle', 'docker build context'],
              x.functions.map((f) => [f, kb(x.bundleBytes[f]), x.contexts[f]]),
            ),
            ...x.warnings.map((w) => `  warning: ${w}`),
            `Deploy: faasml deploy openfaas --dir ${x.outDir} --gateway http://127.0.0.1:8080`,
          ].join('\n'),
        );
      }
    });

  program
    .command('deploy')
    .description('Deploy a build to Azure Functions (func or az) or OpenFaaS (faas-cli); prints the commands when the tool is missing')
    .argument('<platform>', 'azure or openfaas')
    .option('--app <name>', 'azure: the Function App name')
    .option('--resource-group <rg>', 'azure: the resource group')
    .option('--gateway <url>', 'openfaas: the gateway URL (default from stack.yml)')
    .option('--dir <dir>', 'the build folder (default build/<platform>)')
    .option('--functions <list>', 'openfaas: deploy only these workloads')
    .option('--dry-run', 'print the commands without running them')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      '\nExample:\n  $ faasml deploy azure --app faasml-demo --resource-group faasml-rg\n  $ faasml deploy openfaas --gateway http://127.0.0.1:8080 --dry-run',
    )
    .action(async (platformName: string, flags: DeployFlags) => {
      const { checkPlatform } = await import('../targets/workloads.js');
      const platform = checkPlatform(platformName);
      const human = (x: { tool: string; commands: string[]; ran: boolean }): string =>
        `${x.ran ? 'Ran' : 'Commands'} (${x.tool}):\n${x.commands.map((c) => `  ${c}`).join('\n')}`;
      if (platform === 'azure') {
        const { deployAzure } = await import('../targets/azure.js');
        const r = await deployAzure({ app: flags.app ?? '', resourceGroup: flags.resourceGroup ?? '', dir: flags.dir, dryRun: flags.dryRun });
        printResult(r, flags, human);
      } else {
        const { deployOpenFaas } = await import('../targets/openfaas.js');
        const r = await deployOpenFaas({ gateway: flags.gateway, dir: flags.dir, functions: flags.functions, dryRun: flags.dryRun });
        printResult(r, flags, human);
      }
    });

  program
    .command('targets')
    .description('Check a targets file (deployed endpoints for benchmarks) and list its function URLs')
    .argument('[file]', 'the targets file', 'targets.yml')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml targets functions/targets.example.yml')
    .action(async (file: string, flags: { json?: boolean }) => {
      const { loadTargets, functionUrl } = await import('../targets/targets-file.js');
      const targets = loadTargets(file);
      printResult({ file, targets }, flags, (x) =>
        table(
          ['label', 'platform', 'function', 'url'],
          x.targets.flatMap((t) =>
            Object.keys(t.functions).map((f) => [t.label, t.platform, f, functionUrl(t, f as keyof typeof t.functions)]),
          ),
        ),
      );
    });

  program
    .command('serve-function')
    .description('Serve one function as its OpenFaaS image does (express + body-parser, init once), without a gateway')
    .argument('<function>', 'lr-train, lr-infer, resnet-train or resnet-infer')
    .option('--port <n>', 'port (0 picks a free one)', '3000')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--json', 'print one JSON object when listening')
    .addHelpText('after', '\nExample:\n  $ faasml serve-function lr-infer --port 3000\n  $ curl -s localhost:3000 -d \'{"x": [[1, 2]]}\'')
    .action(async (name: string, flags: { port: string; host: string; json?: boolean }) => {
      const { handlerSource, selectFunctions } = await import('../targets/workloads.js');
      const { ValidationError } = await import('../errors.js');
      const [fn] = selectFunctions(name);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError(`--port: expected 0 to 65535, got '${flags.port}'`);
      const { serveOpenFaas } = await import('../adapters/openfaas.js');
      process.env.FAASML_FUNCTION ??= fn;
      const served = await serveOpenFaas(handlerSource(fn), port, flags.host);
      printResult({ function: fn, url: served.url }, flags, (x) => `${x.function} listening on ${x.url} (Ctrl-C stops)`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          void served.close().finally(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
