// `faasml build azure`: a deployable Azure Functions folder (host.json, package.json, one
// bundled dist/index.cjs with the handlers, the wasm binaries, @azure/functions in
// node_modules) and its zip for `az functionapp deployment source config-zip`.
// `faasml deploy azure`: publishes it with func or az when installed, else prints how.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { NotFoundError, ValidationError } from '../errors.js';
import { functionsDir, projectRoot } from '../paths.js';
import { bundle, copyPackages, copyWasmBinaries, importPath, installedVersion } from './bundle.js';
import { commandLine, findOnPath, runCommands, ToolMissingError } from './tools.js';
import type { ToolCommand } from './tools.js';
import { handlerSource, selectFunctions } from './workloads.js';
import type { Workload } from './workloads.js';
import { writeZip } from './zip.js';
import type { ZipInput } from './zip.js';

export interface AzureBuildOptions {
  /** Output folder (default build/azure under the project). */
  out?: string;
  functions?: string | string[];
  /** Also write <out>.zip (default true). */
  zip?: boolean;
  /** Called as each step starts (the CLI draws a progress bar with it). */
  onStep?: (step: string, index: number, total: number) => void;
}

export interface AzureBuildResult {
  platform: 'azure';
  outDir: string;
  zipPath: string | null;
  functions: Workload[];
  entry: string;
  bundleBytes: number;
  zipBytes: number | null;
  files: string[];
  /** esbuild's warnings, if any (an empty list when the bundle is clean). */
  warnings: string[];
}

/** Files of the app's source folder that ship as they are. */
const APP_FILES = ['host.json', '.funcignore', 'local.settings.json.example', 'README.md'];
/** Not bundled: the worker provides @azure/functions-core; tfjs-node is native and optional. */
const EXTERNAL = ['@azure/functions', '@azure/functions-core', '@tensorflow/tfjs-node'];

function appSourceDir(): string {
  return join(functionsDir(), 'azure');
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, base));
    else out.push(relative(base, full).split(sep).join('/'));
  }
  return out;
}

/** Refuses to clear a folder that is not an earlier build (a typo in --out must not wipe data). */
function prepareOut(outDir: string): void {
  if (existsSync(outDir)) {
    const entries = readdirSync(outDir);
    if (entries.length > 0 && !entries.includes('host.json')) {
      throw new ValidationError(`--out ${outDir} exists and is not an Azure build folder (no host.json); choose an empty or new folder`);
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
}

function entrySource(names: Workload[]): string {
  const imports = names.map((n, i) => `import * as f${i} from ${importPath(handlerSource(n))};`);
  const table = names.map((n, i) => `  ${JSON.stringify(n)}: f${i},`);
  return [
    `import { registerFunctions } from ${importPath(join(appSourceDir(), 'src', 'register.ts'))};`,
    ...imports,
    `export const handlers = registerFunctions({`,
    ...table,
    `});`,
    '',
  ].join('\n');
}

export async function buildAzure(opts: AzureBuildOptions = {}): Promise<AzureBuildResult> {
  const names = selectFunctions(opts.functions);
  const outDir = resolve(opts.out ?? join(projectRoot(), 'build', 'azure'));
  const src = appSourceDir();
  if (!existsSync(join(src, 'host.json'))) throw new NotFoundError(`the Azure Functions app is missing: no ${join(src, 'host.json')}`);
  const step = (name: string, i: number): void => opts.onStep?.(name, i, opts.zip === false ? 3 : 4);
  prepareOut(outDir);

  step('app files', 0);
  for (const f of APP_FILES) if (existsSync(join(src, f))) copyFileSync(join(src, f), join(outDir, f));
  const appPkg = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as Record<string, unknown>;
  appPkg.dependencies = { '@azure/functions': installedVersion('@azure/functions') };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(appPkg, null, 2)}\n`);

  const entry = join(outDir, String(appPkg.main ?? 'dist/index.cjs'));
  step('bundle', 1);
  const built = await bundle({ entrySource: entrySource(names), resolveDir: src, outfile: entry, external: EXTERNAL });
  // The wasm glue, bundled into the entry, looks for its binaries in the entry's folder.
  copyWasmBinaries(dirname(entry));
  step('node_modules', 2);
  copyPackages(['@azure/functions'], join(outDir, 'node_modules'));

  const files = listFiles(outDir);
  let zipPath: string | null = null;
  let zipBytes: number | null = null;
  if (opts.zip !== false) {
    step('zip', 3);
    zipPath = join(dirname(outDir), `${basename(outDir)}.zip`);
    const inputs: ZipInput[] = files.map((name) => ({ name, data: readFileSync(join(outDir, name)) }));
    const zip = writeZip(inputs);
    writeFileSync(zipPath, zip);
    zipBytes = zip.length;
  }
  return { platform: 'azure', outDir, zipPath, functions: names, entry, bundleBytes: built.bytes, zipBytes, files, warnings: built.warnings };
}

export interface AzureDeployOptions {
  app: string;
  resourceGroup: string;
  /** A folder from buildAzure (default build/azure). */
  dir?: string;
  /** Print the commands instead of running them. */
  dryRun?: boolean;
}

export interface AzureDeployResult {
  platform: 'azure';
  tool: string;
  commands: string[];
  ran: boolean;
}

/**
 * The publish commands: Core Tools' `func azure functionapp publish` from the folder when
 * `func` is installed, else the zip deployment through `az`.
 */
export function azureDeployCommands(opts: AzureDeployOptions, tool: 'func' | 'az'): ToolCommand[] {
  const dir = resolve(opts.dir ?? join(projectRoot(), 'build', 'azure'));
  if (tool === 'func') return [{ tool: 'func', args: ['azure', 'functionapp', 'publish', opts.app, '--javascript', '--no-build'], cwd: dir }];
  const zip = join(dirname(dir), `${basename(dir)}.zip`);
  return [
    { tool: 'az', args: ['functionapp', 'config', 'appsettings', 'set', '--name', opts.app, '--resource-group', opts.resourceGroup, '--settings', 'FUNCTIONS_WORKER_RUNTIME=node', 'SCM_DO_BUILD_DURING_DEPLOYMENT=false'] },
    { tool: 'az', args: ['functionapp', 'deployment', 'source', 'config-zip', '--name', opts.app, '--resource-group', opts.resourceGroup, '--src', zip] },
  ];
}

export async function deployAzure(opts: AzureDeployOptions): Promise<AzureDeployResult> {
  if (!opts.app) throw new ValidationError('--app NAME is required (the Function App to publish to)');
  if (!opts.resourceGroup) throw new ValidationError('--resource-group RG is required');
  const dir = resolve(opts.dir ?? join(projectRoot(), 'build', 'azure'));
  if (!existsSync(join(dir, 'host.json'))) {
    throw new NotFoundError(`no Azure build at ${dir}; run \`faasml build azure --out ${relative(process.cwd(), dir) || '.'}\` first`);
  }
  const tool = findOnPath('func') ? 'func' : findOnPath('az') ? 'az' : null;
  const commands = azureDeployCommands(opts, tool ?? 'az');
  const lines = commands.map(commandLine);
  if (opts.dryRun) return { platform: 'azure', tool: tool ?? 'az', commands: lines, ran: false };
  if (!tool) {
    throw new ToolMissingError('az', commands, 'install the Azure CLI (https://learn.microsoft.com/cli/azure/install-azure-cli) or Azure Functions Core Tools');
  }
  await runCommands(commands);
  return { platform: 'azure', tool, commands: lines, ran: true };
}
