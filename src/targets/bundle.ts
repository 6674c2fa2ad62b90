// Compiles a generated entry (TypeScript source importing handlers and an adapter) into one
// CommonJS file with esbuild, the bundler tsx already ships. Everything in `external` stays a
// runtime require, installed by the platform (npm in the image) or copied next to the bundle.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../paths.js';

export interface BundleOptions {
  /** TypeScript source of the entry; relative imports resolve from `resolveDir`. */
  entrySource: string;
  resolveDir: string;
  outfile: string;
  external: string[];
}

export interface BundleResult {
  outfile: string;
  bytes: number;
  warnings: string[];
}

export async function bundle(opts: BundleOptions): Promise<BundleResult> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    stdin: { contents: opts.entrySource, resolveDir: opts.resolveDir, loader: 'ts', sourcefile: 'entry.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: opts.outfile,
    external: opts.external,
    logLevel: 'silent',
    legalComments: 'none',
  });
  return {
    outfile: opts.outfile,
    bytes: statSync(opts.outfile).size,
    warnings: result.warnings.map((w) => w.text),
  };
}

/** An import specifier for an absolute file, usable in generated source on every OS. */
export function importPath(file: string): string {
  return JSON.stringify(file.replace(/\\/g, '/'));
}

/** The folder of an installed package (resolved from the project). */
export function packageDir(name: string, from = projectRoot()): string {
  const req = createRequire(join(from, 'package.json'));
  // Some packages do not export ./package.json: walk up from the resolved main file instead.
  try {
    return dirname(req.resolve(`${name}/package.json`));
  } catch {
    let dir = dirname(req.resolve(name));
    while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
      const up = dirname(dir);
      if (up === dir) throw new Error(`cannot find the folder of package ${name}`);
      dir = up;
    }
    return dir;
  }
}

/** The installed version of a package, for generated package.json files. */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Copies installed packages and their dependencies (transitively) into `nodeModules`, so a
 * deployment folder runs without `npm install`.
 */
export function copyPackages(names: string[], nodeModules: string): string[] {
  const copied = new Set<string>();
  const queue = names.map((name) => ({ name, from: projectRoot() }));
  while (queue.length > 0) {
    const { name, from } = queue.shift()!;
    if (copied.has(name)) continue;
    const dir = packageDir(name, from);
    cpSync(dir, join(nodeModules, name), { recursive: true, dereference: true });
    copied.add(name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir });
  }
  return [...copied];
}

/** Copies @tensorflow/tfjs-backend-wasm's .wasm binaries into `dir` (the wasm glue, bundled, reads them from its own folder). */
export function copyWasmBinaries(dir: string): string[] {
  const dist = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  for (const f of files) copyFileSync(join(dist, f), join(dir, f));
  return files;
}
