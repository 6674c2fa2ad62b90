// resnet-train: trains ResNet-50 on the synthetic set or a CIFAR-10 folder and saves it as the
// next version of `resnet`. Body (all optional): {"images", "epochs", "batchSize", "data",
// "stem", "seed", "learningRate", "widthMultiplier", "name"}. Data folders must lie inside the
// project's data/ folder or a root listed in FAASML_DATA_ROOTS: a request never names an
// arbitrary file on the server.
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { type FunctionContext, type FunctionEvent, type FunctionResult, jsonBody } from '../../src/contract.js';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import { projectRoot } from '../../src/paths.js';
import { initBackend } from '../../src/ml/backend.js';
import { runResNetTraining } from '../../src/ml/training-runs.js';
import { enumField, intField, numberField, stringField } from '../../src/ml/serving.js';

export const MAX_IMAGES = 50_000;

export async function init(_ctx: FunctionContext): Promise<void> {
  await initBackend();
}

/** The roots data may come from: <project>/data and FAASML_DATA_ROOTS (path-delimited). */
export function dataRoots(env: Record<string, string | undefined>): string[] {
  const roots = [join(projectRoot(), 'data'), ...(env.FAASML_DATA_ROOTS ?? '').split(delimiter).filter(Boolean)];
  return roots.filter((r) => existsSync(r)).map((r) => realpathSync(r));
}

/** 'synthetic', or a data path resolved inside an allowed root (422 outside, 404 missing). */
export function resolveDataSpec(spec: string, env: Record<string, string | undefined>): string {
  if (spec === 'synthetic') return spec;
  if (spec.includes('\0')) throw new ValidationError('data: expected "synthetic" or a data folder name');
  const roots = dataRoots(env);
  const candidates = isAbsolute(spec) ? [spec] : [resolve(projectRoot(), spec), ...roots.map((r) => resolve(r, spec))];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new NotFoundError(`data set '${spec.slice(0, 200)}' not found`, 'expected "synthetic" or a CIFAR-10 folder or .tar.gz under data/');
  const real = realpathSync(found);
  const inside = roots.some((r) => {
    const rel = relative(r, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
  if (!inside) throw new ValidationError(`data: '${spec.slice(0, 200)}' is outside the allowed data folders (the project's data/ or FAASML_DATA_ROOTS)`);
  return real;
}

export async function handle(event: FunctionEvent, ctx: FunctionContext): Promise<FunctionResult> {
  const started = performance.now();
  const body = jsonBody(event);
  const images = intField(body, 'images', 256, 10, MAX_IMAGES);
  const epochs = intField(body, 'epochs', 1, 1, 1000);
  const batchSize = intField(body, 'batchSize', 32, 2, 512);
  const seed = intField(body, 'seed', 42, 0, 2 ** 31 - 1);
  const stem = enumField(body, 'stem', 'imagenet', ['imagenet', 'cifar'] as const);
  const learningRate = numberField(body, 'learningRate', 0.01, 1e-6, 10);
  const envWidth = Number(ctx.env.FAASML_RESNET_WIDTH);
  const widthMultiplier = numberField(body, 'widthMultiplier', Number.isFinite(envWidth) && envWidth > 0 ? envWidth : 1, 0.01, 4);
  const name = stringField(body, 'name', 'resnet', 64);
  const dataSpec = resolveDataSpec(stringField(body, 'data', 'synthetic', 1000), ctx.env);
  const run = await runResNetTraining({ data: dataSpec, images, epochs, batchSize, stem, seed, learningRate, widthMultiplier, modelsDir: ctx.modelsDir, name });
  ctx.log.info('trained', { model: run.model, valAccuracy: run.valAccuracy, trainSeconds: run.trainSeconds });
  return {
    body: {
      model: run.model,
      valAccuracy: run.valAccuracy,
      history: run.history,
      imagesPerSecond: run.imagesPerSecond,
      trainSeconds: run.trainSeconds,
      images: run.images,
      epochs: run.epochs,
      backend: run.backend,
      stem: run.stem,
      data: run.data,
      computeMs: performance.now() - started,
    },
  };
}
