// `faasml build openfaas`: what `faas-cli build --shrinkwrap` would leave, without Docker:
// per function a Docker build context (build/<name>/: the faasml-node20 template with
// function/handler.js, the workload bundled with faasml's OpenFaaS adapter), plus the
// template, the handler folders and a stack.yml so `faas-cli up` works from the output folder.
// `faasml deploy openfaas`: runs faas-cli when installed, else prints the commands.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { NotFoundError, ValidationError } from '../errors.js';
import { functionsDir, projectRoot } from '../paths.js';
import { bundle, importPath, installedVersion } from './bundle.js';
import { commandLine, findOnPath, runCommands, ToolMissingError } from './tools.js';
import type { ToolCommand } from './tools.js';
import { handlerSource, selectFunctions } from './workloads.js';
import type { Workload } from './workloads.js';

export const TEMPLATE_NAME = 'faasml-node20';
/** Installed in the image by the template's package.json (tfjs-node must share tfjs-core). */
const EXTERNAL = ['@tensorflow/*', 'express', 'body-parser'];
const RUNTIME_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'body-parser', 'express'];

export interface OpenFaasBuildOptions {
  /** Output folder (default build/openfaas under the project). */
  out?: string;
  functions?: string | string[];
  /** A model store folder to bake into every image (function/models, FAASML_MODELS points there). */
  models?: string;
  /** Called as each function's build starts (the CLI draws a progress bar with it). */
  onStep?: (step: string, index: number, total: number) => void;
}

export interface OpenFaasBuildResult {
  platform: 'openfaas';
  outDir: string;
  stackFile: string;
  functions: Workload[];
  /** Docker build context per function. */
  contexts: Record<string, string>;
  bundleBytes: Record<string, number>;
  /** esbuild's warnings, prefixed with the function's name. */
  warnings: string[];
}

interface StackFunction {
  lang?: string;
  handler?: string;
  image?: string;
  environment?: Record<string, string>;
  [key: string]: unknown;
}

interface Stack {
  version?: string | number;
  provider: { name: string; gateway: string };
  functions: Record<string, StackFunction>;
  [key: string]: unknown;
}

function sourceDir(): string {
  return join(functionsDir(), 'openfaas');
}

/** The source stack.yml with YAML anchors resolved and the x- helper keys dropped. */
export function readStack(file = join(sourceDir(), 'stack.yml')): Stack {
  if (!existsSync(file)) throw new NotFoundError(`no OpenFaaS stack file at ${file}`);
  const doc = parse(readFileSync(file, 'utf8'), { merge: true }) as Stack;
  if (!doc?.provider?.gateway || !doc.functions) throw new ValidationError(`${file}: needs provider.gateway and functions`);
  for (const key of Object.keys(doc)) if (key.startsWith('x-')) delete doc[key];
  return doc;
}

function entrySource(name: Workload): string {
  return [
    `export * as handler from ${importPath(handlerSource(name))};`,
    `export { createOpenFaasApp, openFaasContext } from ${importPath(join(projectRoot(), 'src', 'adapters', 'openfaas.ts'))};`,
    `export const functionName = ${JSON.stringify(name)};`,
    '',
  ].join('\n');
}

function prepareOut(outDir: string): void {
  if (existsSync(outDir)) {
    const entries = readdirSync(outDir);
    if (entries.length > 0 && !entries.includes('stack.yml')) {
      throw new ValidationError(`--out ${outDir} exists and is not an OpenFaaS build folder (no stack.yml); choose an empty or new folder`);
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
}

/** The template's package.json with the versions installed here, so images match local runs. */
function templatePackageJson(templateDir: string): string {
  const pkg = JSON.parse(readFileSync(join(templateDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of RUNTIME_PACKAGES) pkg.dependencies[name] = installedVersion(name);
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export async function buildOpenFaas(opts: OpenFaasBuildOptions = {}): Promise<OpenFaasBuildResult> {
  const names = selectFunctions(opts.functions);
  const outDir = resolve(opts.out ?? join(projectRoot(), 'build', 'openfaas'));
  const stack = readStack();
  const templateSrc = join(sourceDir(), 'template', TEMPLATE_NAME);
  if (!existsSync(join(templateSrc, 'Dockerfile'))) throw new NotFoundError(`the OpenFaaS template is missing: no ${join(templateSrc, 'Dockerfile')}`);
  const models = opts.models ? resolve(opts.models) : undefined;
  if (models && !existsSync(models)) throw new NotFoundError(`--models ${models} does not exist`);
  prepareOut(outDir);

  const templateOut = join(outDir, 'template', TEMPLATE_NAME);
  cpSync(templateSrc, templateOut, { recursive: true });
  writeFileSync(join(templateOut, 'package.json'), templatePackageJson(templateSrc));

  const contexts: Record<string, string> = {};
  const bundleBytes: Record<string, number> = {};
  const warnings: string[] = [];
  const functions: Record<string, StackFunction> = {};
  for (const [i, name] of names.entries()) {
    opts.onStep?.(name, i, names.length);
    const spec = stack.functions[name];
    if (!spec) throw new ValidationError(`functions/openfaas/stack.yml has no function '${name}'`);
    // The handler folder faas-cli copies into the template's function/ folder.
    const handlerDir = join(outDir, 'functions', name);
    mkdirSync(handlerDir, { recursive: true });
    cpSync(join(templateSrc, 'function', 'package.json'), join(handlerDir, 'package.json'));
    const built = await bundle({
      entrySource: entrySource(name),
      resolveDir: projectRoot(),
      outfile: join(handlerDir, 'handler.js'),
      external: EXTERNAL,
    });
    bundleBytes[name] = built.bytes;
    warnings.push(...built.warnings.map((w) => `${name}: ${w}`));
    const environment: Record<string, string> = { ...(spec.environment ?? {}), FAASML_FUNCTION: name };
    if (models) {
      cpSync(models, join(handlerDir, 'models'), { recursive: true });
      environment.FAASML_MODELS = '/home/app/function/models';
    }
    functions[name] = { ...spec, lang: TEMPLATE_NAME, handler: `./functions/${name}`, environment };

    // The shrinkwrapped context: template files, the handler folder as function/.
    const context = join(outDir, 'build', name);
    cpSync(templateOut, context, { recursive: true });
    cpSync(handlerDir, join(context, 'function'), { recursive: true });
    contexts[name] = context;
  }

  const stackFile = join(outDir, 'stack.yml');
  const header = '# Written by `faasml build openfaas`; deploy with: faas-cli up -f stack.yml\n';
  writeFileSync(stackFile, header + stringify({ ...stack, functions }));
  return { platform: 'openfaas', outDir, stackFile, functions: names, contexts, bundleBytes, warnings };
}

export interface OpenFaasDeployOptions {
  /** Gateway URL (default: the stack file's provider.gateway). */
  gateway?: string;
  /** A folder from buildOpenFaas (default build/openfaas). */
  dir?: string;
  functions?: string | string[];
  dryRun?: boolean;
}

export interface OpenFaasDeployResult {
  platform: 'openfaas';
  tool: string;
  commands: string[];
  ran: boolean;
}

export function openFaasDeployCommands(opts: OpenFaasDeployOptions): ToolCommand[] {
  const dir = resolve(opts.dir ?? join(projectRoot(), 'build', 'openfaas'));
  const args = ['up', '-f', 'stack.yml'];
  if (opts.gateway) args.push('--gateway', opts.gateway);
  const only = opts.functions ? selectFunctions(opts.functions) : [];
  if (only.length === 1) args.push('--filter', only[0]);
  else if (only.length > 1) args.push('--regex', `^(${only.join('|')})$`);
  return [{ tool: 'faas-cli', args, cwd: dir }];
}

export async function deployOpenFaas(opts: OpenFaasDeployOptions = {}): Promise<OpenFaasDeployResult> {
  const dir = resolve(opts.dir ?? join(projectRoot(), 'build', 'openfaas'));
  if (!existsSync(join(dir, 'stack.yml'))) {
    throw new NotFoundError(`no OpenFaaS build at ${dir}; run \`faasml build openfaas --out ${relative(process.cwd(), dir) || '.'}\` first`);
  }
  if (opts.gateway !== undefined) {
    try {
      new URL(opts.gateway);
    } catch {
      throw new ValidationError(`--gateway '${opts.gateway}' is not a URL (for example http://127.0.0.1:8080)`);
    }
  }
  const commands = openFaasDeployCommands({ ...opts, dir });
  const lines = commands.map(commandLine);
  if (opts.dryRun) return { platform: 'openfaas', tool: 'faas-cli', commands: lines, ran: false };
  if (!findOnPath('faas-cli')) {
    throw new ToolMissingError('faas-cli', commands, 'install it from https://github.com/openfaas/faas-cli (and Docker to build the images)');
  }
  await runCommands(commands);
  return { platform: 'openfaas', tool: 'faas-cli', commands: lines, ran: true };
}
