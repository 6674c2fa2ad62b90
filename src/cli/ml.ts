// `faasml train|predict|models|data`: the ML commands. Thin: each action parses flags and calls
// one library function (training runs, the inference handlers in process, the model store, the
// data writers). TensorFlow.js loads inside the actions so `faasml --help` stays instant.
import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../errors.js';
import { printResult, table } from './output.js';

interface Common {
  json?: boolean;
  backend?: string;
}

function intFlag(value: string | undefined, flag: string, def: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new ValidationError(`${flag}: expected an integer, got '${value}'`);
  return n;
}

function numberFlag(value: string | undefined, flag: string, def: number): number {
  if (value === undefined) return def;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new ValidationError(`${flag}: expected a number, got '${value}'`);
  return n;
}

/** A backend flag applies to the whole process: the library's initBackend reads it. */
function useBackend(flags: Common): void {
  if (flags.backend !== undefined) {
    if (!['tensorflow', 'wasm', 'cpu'].includes(flags.backend)) throw new ValidationError(`--backend: expected tensorflow, wasm or cpu, got '${flags.backend}'`);
    process.env.FAASML_BACKEND = flags.backend;
  }
}

function fmt(v: number, digits = 6): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 || v === 0 ? String(+v.toPrecision(digits)) : v.toExponential(3);
}

interface Bar {
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/** A factory for progress bars on stderr, or no-op bars when stderr is not a terminal. */
async function progressBars(enabled: boolean): Promise<(total: number, label: string) => Bar> {
  if (!enabled || !process.stderr.isTTY) return () => ({ update: () => {}, stop: () => {} });
  const { default: cliProgress } = await import('cli-progress');
  return (total, label) => {
    const bar = new cliProgress.SingleBar(
      { format: `${label} |{bar}| {value}/{total} {info}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return { update: (v, p) => bar.update(v, p), stop: () => bar.stop() };
  };
}

interface TrainLrFlags extends Common {
  formula: string;
  samples?: string;
  epochs?: string;
  learningRate?: string;
  batchSize?: string;
  seed?: string;
  noise?: string;
  name?: string;
}

interface TrainResnetFlags extends Common {
  images?: string;
  epochs?: string;
  data: string;
  stem?: string;
  batchSize?: string;
  seed?: string;
  learningRate?: string;
  width?: string;
  name?: string;
}

function registerTrain(program: Command): void {
  const train = program
    .command('train')
    .description('Train a model locally and save it in the model store')
    .addHelpText('after', '\nExample:\n  $ faasml train lr --formula "y = 3*x1 - 2*x2 + 1"\n  $ faasml train resnet --images 1000 --epochs 1');

  train
    .command('lr')
    .description('Fit a linear regression to the features of a formula on seeded synthetic data')
    .option('--formula <formula>', 'the formula to fit', 'y = 3*x1 - 2*x2 + 1')
    .option('--samples <n>', 'samples to generate', '10000')
    .option('--epochs <n>', 'training epochs', '50')
    .option('--learning-rate <r>', 'Adam learning rate (cosine-decayed)', '0.05')
    .option('--batch-size <n>', 'batch size', '64')
    .option('--seed <n>', 'seed for data, split and shuffling', '42')
    .option('--noise <std>', 'Gaussian noise added to the target', '0')
    .option('--name <name>', 'model name in the store', 'lr')
    .option('--backend <name>', 'TensorFlow.js backend: tensorflow, wasm or cpu (default: best available)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml train lr --samples 10000 --formula "y = 3*x1 - 2*x2 + 1" --epochs 50')
    .action(async (flags: TrainLrFlags) => {
      useBackend(flags);
      const { modelsDir } = await import('../paths.js');
      const { runLinearTraining } = await import('../ml/training-runs.js');
      const epochs = intFlag(flags.epochs, '--epochs', 50);
      const bar = (await progressBars(!flags.json))(epochs, 'epochs');
      let run;
      try {
        run = await runLinearTraining({
          formula: flags.formula,
          samples: intFlag(flags.samples, '--samples', 10_000),
          epochs,
          learningRate: numberFlag(flags.learningRate, '--learning-rate', 0.05),
          batchSize: intFlag(flags.batchSize, '--batch-size', 64),
          seed: intFlag(flags.seed, '--seed', 42),
          noise: numberFlag(flags.noise, '--noise', 0),
          name: flags.name,
          modelsDir: modelsDir(),
          onEpoch: (e, loss) => bar.update(e + 1, { info: `loss ${fmt(loss, 3)}` }),
        });
      } finally {
        bar.stop();
      }
      printResult(run, flags, (r) =>
        [
          `${r.formula}`,
          table(
            ['term', 'formula', 'fitted', 'least squares'],
            r.coefficients.map((c) => [c.term, fmt(c.true), fmt(c.fitted), fmt(c.leastSquares)]),
          ),
          '',
          `MSE (test)  ${fmt(r.mseTest, 4)}`,
          `R² (test)   ${fmt(r.r2Test, 8)}`,
          `backend     ${r.backend}`,
          `trained     ${r.samples} samples, ${r.epochs} epochs in ${r.trainSeconds.toFixed(2)} s`,
          `model       ${r.model}`,
        ].join('\n'),
      );
    });

  train
    .command('resnet')
    .description('Train ResNet-50 on the synthetic set or a CIFAR-10 folder / .tar.gz')
    .option('--images <n>', 'images to load (a seeded subset of a CIFAR-10 set)', '1000')
    .option('--epochs <n>', 'training epochs', '1')
    .option('--data <spec>', '"synthetic" or a CIFAR-10 folder or cifar-10-binary.tar.gz', 'synthetic')
    .option('--stem <stem>', 'imagenet (7×7 conv + pool) or cifar (3×3 conv)', 'imagenet')
    .option('--batch-size <n>', 'batch size', '32')
    .option('--seed <n>', 'seed for weights, split and shuffling', '42')
    .option('--learning-rate <r>', 'SGD momentum learning rate', '0.01')
    .option('--width <m>', 'width multiplier for every layer (1 = standard ResNet-50)', '1')
    .option('--name <name>', 'model name in the store', 'resnet')
    .option('--backend <name>', 'TensorFlow.js backend: tensorflow, wasm or cpu (default: best available)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml train resnet --images 1000 --epochs 1 --data synthetic\n  $ faasml train resnet --images 5000 --data data/cifar10 --stem cifar')
    .action(async (flags: TrainResnetFlags) => {
      useBackend(flags);
      if (flags.stem !== 'imagenet' && flags.stem !== 'cifar') throw new ValidationError(`--stem: expected imagenet or cifar, got '${flags.stem}'`);
      const { modelsDir } = await import('../paths.js');
      const { runResNetTraining } = await import('../ml/training-runs.js');
      const epochs = intFlag(flags.epochs, '--epochs', 1);
      const makeBar = await progressBars(!flags.json);
      let bar: Bar | undefined;
      let run;
      try {
        run = await runResNetTraining({
          data: flags.data,
          images: intFlag(flags.images, '--images', 1000),
          epochs,
          batchSize: intFlag(flags.batchSize, '--batch-size', 32),
          stem: flags.stem,
          seed: intFlag(flags.seed, '--seed', 42),
          learningRate: numberFlag(flags.learningRate, '--learning-rate', 0.01),
          widthMultiplier: numberFlag(flags.width, '--width', 1),
          name: flags.name,
          modelsDir: modelsDir(),
          onBatch: (i) => {
            bar ??= makeBar(i.batches * epochs, 'batches');
            bar.update(i.epoch * i.batches + i.batch + 1, { info: `epoch ${i.epoch + 1}/${epochs} loss ${fmt(i.loss, 3)}` });
          },
        });
      } finally {
        bar?.stop();
      }
      printResult(run, flags, (r) =>
        [
          table(
            ['epoch', 'loss', 'accuracy', 'val loss', 'val accuracy'],
            r.history.loss.map((l, e) => [e + 1, fmt(l, 4), fmt(r.history.accuracy[e], 3), fmt(r.history.valLoss[e], 4), fmt(r.history.valAccuracy[e], 3)]),
          ),
          '',
          `data        ${r.data} (${r.classes.length} classes)`,
          `stem        ${r.stem}`,
          `throughput  ${fmt(r.imagesPerSecond, 3)} images/s (${r.images} images in ${r.trainSeconds.toFixed(1)} s)`,
          `backend     ${r.backend}`,
          `model       ${r.model}`,
        ].join('\n'),
      );
    });
}

interface PredictLrFlags extends Common {
  model: string;
  x: string;
}

interface PredictResnetFlags extends Common {
  model: string;
  image: string[];
}

/** Runs an inference handler in this process, exactly as a platform would call it. */
async function invokeInProcess(fn: 'lr-infer' | 'resnet-infer', body: unknown): Promise<Record<string, unknown>> {
  const { buildEvent } = await import('../contract.js');
  const { localContext } = await import('../local-context.js');
  const mod = fn === 'lr-infer' ? await import('../../functions/lr-infer/handler.js') : await import('../../functions/resnet-infer/handler.js');
  const ctx = localContext(fn);
  const event = buildEvent({ body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' }, method: 'POST' }, Infinity);
  await mod.init(ctx);
  const res = await mod.handle(event, ctx);
  return res.body as Record<string, unknown>;
}

function registerPredict(program: Command): void {
  const predict = program
    .command('predict')
    .description('Run a saved model on inputs, in this process')
    .addHelpText('after', '\nExample:\n  $ faasml predict lr --x "[[1, 2]]"\n  $ faasml predict resnet --image cat.png');

  predict
    .command('lr')
    .description('Predict with a linear regression; rows are the raw input variables in the model\'s order')
    .option('--model <ref>', 'model reference: name, name@latest or name@N', 'lr@latest')
    .requiredOption('--x <json>', 'rows as JSON, e.g. "[[1, 2], [3, 4]]"')
    .option('--backend <name>', 'TensorFlow.js backend: tensorflow, wasm or cpu')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml predict lr --model lr@latest --x "[[1, 2], [3, 4]]"')
    .action(async (flags: PredictLrFlags) => {
      useBackend(flags);
      let x: unknown;
      try {
        x = JSON.parse(flags.x);
      } catch (err) {
        throw new ValidationError(`--x: not valid JSON (${(err as Error).message}), expected rows like "[[1, 2], [3, 4]]"`);
      }
      const r = (await invokeInProcess('lr-infer', { model: flags.model, x })) as { model: string; predictions: number[]; computeMs: number };
      printResult(r, flags, (o) =>
        [table(['row', 'input', 'prediction'], o.predictions.map((p, i) => [i, JSON.stringify((x as unknown[])[i]), fmt(p)])), '', `model ${o.model}, ${o.computeMs.toFixed(2)} ms`].join('\n'),
      );
    });

  predict
    .command('resnet')
    .description('Classify PNG or JPEG images with a saved ResNet-50')
    .option('--model <ref>', 'model reference: name, name@latest or name@N', 'resnet@latest')
    .option('--image <file>', 'an image file (repeat for more)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--backend <name>', 'TensorFlow.js backend: tensorflow, wasm or cpu')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml predict resnet --model resnet@latest --image cat.png --image ship.jpg')
    .action(async (flags: PredictResnetFlags) => {
      useBackend(flags);
      if (flags.image.length === 0) throw new ValidationError('--image: give at least one image file');
      const { existsSync, readFileSync } = await import('node:fs');
      const images = flags.image.map((f) => {
        if (!existsSync(f)) throw new NotFoundError(`image file not found: ${f}`);
        return readFileSync(f).toString('base64');
      });
      const r = (await invokeInProcess('resnet-infer', { model: flags.model, images })) as {
        model: string;
        predictions: { class: string; classIndex: number; probabilities: number[] }[];
        computeMs: number;
      };
      printResult(r, flags, (o) =>
        [
          table(['image', 'class', 'probability'], o.predictions.map((p, i) => [flags.image[i], p.class, fmt(p.probabilities[p.classIndex], 3)])),
          '',
          `model ${o.model}, ${o.computeMs.toFixed(1)} ms`,
        ].join('\n'),
      );
    });
}

function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('The model store')
    .addHelpText('after', '\nExample:\n  $ faasml models ls');
  models
    .command('ls')
    .description('List saved models: name@version, created, backend, metrics, size')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml models ls --json')
    .action(async (flags: Common) => {
      const { modelsDir } = await import('../paths.js');
      const { ModelStore } = await import('../ml/model-store.js');
      const store = new ModelStore(modelsDir());
      const list = store.list();
      printResult({ root: store.root, models: list }, flags, (r) =>
        r.models.length === 0
          ? `no models in ${r.root} yet: faasml train lr`
          : table(
              ['model', 'kind', 'created', 'backend', 'metrics', 'size'],
              r.models.map((m) => [
                m.ref, m.kind, m.createdAt.replace('T', ' ').slice(0, 19), m.backend,
                Object.entries(m.metrics).map(([k, v]) => `${k}=${fmt(v, 4)}`).join(' '),
                m.sizeBytes >= 1 << 20 ? `${(m.sizeBytes / (1 << 20)).toFixed(1)} MiB` : `${(m.sizeBytes / 1024).toFixed(1)} KiB`,
              ]),
            ),
      );
    });
}

interface DataFlags extends Common {
  out: string;
  images?: string;
  seed?: string;
  batches?: string;
}

function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('Data sets: write the synthetic set, download CIFAR-10')
    .addHelpText('after', '\nExample:\n  $ faasml data synthetic --out data/synthetic --images 1000');
  data
    .command('synthetic')
    .description('Write the learnable synthetic set (10 classes of shapes and textures) in CIFAR-10 binary format')
    .option('--out <dir>', 'output folder', 'data/synthetic')
    .option('--images <n>', 'number of images', '1000')
    .option('--seed <n>', 'seed', '42')
    .option('--batches <n>', 'number of data_batch_N.bin files', '5')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml data synthetic --out data/synthetic --images 1000')
    .action(async (flags: DataFlags) => {
      const { generateSynthetic, writeCifarBinary } = await import('../ml/data-synthetic.js');
      const images = generateSynthetic({ images: intFlag(flags.images, '--images', 1000), seed: intFlag(flags.seed, '--seed', 42) });
      const r = writeCifarBinary(flags.out, images, { batches: intFlag(flags.batches, '--batches', 5) });
      printResult(r, flags, (o) => `wrote ${o.train} training and ${o.test} test images to ${o.dir}: ${o.files.join(', ')}`);
    });
  data
    .command('cifar10')
    .description('Download the official CIFAR-10 binary archive, check its md5 and extract it')
    .option('--out <dir>', 'output folder', 'data/cifar10')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml data cifar10 --out data/cifar10\n  $ faasml train resnet --data data/cifar10 --images 5000')
    .action(async (flags: DataFlags) => {
      const { downloadCifar10 } = await import('../ml/data-cifar10.js');
      const r = await downloadCifar10(flags.out);
      printResult(r, flags, (o) => `CIFAR-10 in ${o.dir} (md5 ${o.md5} checked): ${o.files.join(', ')}`);
    });
}

export function register(program: Command): void {
  registerTrain(program);
  registerPredict(program);
  registerModels(program);
  registerData(program);
}
