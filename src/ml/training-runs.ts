// Train and save in one call, returning plain data: what the training functions, the CLI and
// the notebooks all do, so the saved metadata and the reported summary are the same everywhere.
import type { Stem } from './resnet50.js';
import { trainLinearRegression, type CoefficientRow, type TrainLinearOptions } from './linreg.js';
import { loadDataset } from './data-cifar10.js';
import { ModelStore } from './model-store.js';
import { trainResNet, type ResNetTrainOptions } from './resnet-train.js';

export interface LinearRun {
  model: string;
  formula: string;
  target: string;
  variables: string[];
  coefficients: CoefficientRow[];
  mseTest: number;
  r2Test: number;
  lossHistory: number[];
  trainSeconds: number;
  samples: number;
  epochs: number;
  backend: string;
  data: string;
}

export async function runLinearTraining(opts: TrainLinearOptions & { modelsDir: string; name?: string }): Promise<LinearRun> {
  const result = await trainLinearRegression(opts);
  try {
    const info = await new ModelStore(opts.modelsDir).save(opts.name ?? 'lr', result.model, {
      kind: 'linreg',
      architecture: `dense ${result.features.length}→1 on formula features`,
      formula: result.formula,
      target: result.target,
      variables: result.variables,
      features: result.features,
      metrics: { mseTest: result.mseTest, r2Test: result.r2Test, finalLoss: result.lossHistory[result.lossHistory.length - 1] },
      data: result.data,
      backend: result.backend,
      trainSeconds: result.trainSeconds,
      training: {
        samples: result.samples, epochs: result.epochs, batchSize: opts.batchSize ?? 64, learningRate: opts.learningRate ?? 0.05,
        seed: opts.seed ?? 42, noise: opts.noise ?? 0, optimizer: opts.optimizer ?? 'adam', coefficients: result.coefficients,
      },
      history: { loss: result.lossHistory },
    });
    return {
      model: info.ref, formula: result.formula, target: result.target, variables: result.variables, coefficients: result.coefficients,
      mseTest: result.mseTest, r2Test: result.r2Test, lossHistory: result.lossHistory, trainSeconds: result.trainSeconds,
      samples: result.samples, epochs: result.epochs, backend: result.backend, data: result.data,
    };
  } finally {
    result.model.dispose();
  }
}

export interface ResNetRun {
  model: string;
  valAccuracy: number;
  history: { loss: number[]; accuracy: number[]; valLoss: number[]; valAccuracy: number[] };
  imagesPerSecond: number;
  trainSeconds: number;
  images: number;
  epochs: number;
  backend: string;
  stem: Stem;
  data: string;
  classes: string[];
}

export interface ResNetRunOptions extends Omit<ResNetTrainOptions, 'data' | 'model'> {
  /** 'synthetic' or a CIFAR-10 folder / .tar.gz (callers check where it may come from). */
  data: string;
  /** How many images to load (the seeded subset of a CIFAR-10 set). */
  images: number;
  modelsDir: string;
  name?: string;
}

export async function runResNetTraining(opts: ResNetRunOptions): Promise<ResNetRun> {
  const seed = opts.seed ?? 42;
  const data = await loadDataset(opts.data, { images: opts.images, seed });
  const result = await trainResNet({ ...opts, data, seed });
  const stem = result.stem;
  const widthMultiplier = opts.widthMultiplier ?? 1;
  try {
    const info = await new ModelStore(opts.modelsDir).save(opts.name ?? 'resnet', result.model, {
      kind: 'resnet50',
      architecture: `ResNet-50, ${stem} stem, width ×${widthMultiplier}`,
      classes: data.classes,
      inputShape: [data.height, data.width, 3],
      metrics: { valAccuracy: result.valAccuracy, imagesPerSecond: result.imagesPerSecond, loss: result.history.loss[result.history.loss.length - 1] },
      data: result.data,
      backend: result.backend,
      trainSeconds: result.trainSeconds,
      training: {
        images: opts.images, epochs: result.epochs, batchSize: opts.batchSize ?? 32, stem, seed,
        learningRate: opts.learningRate ?? 0.01, widthMultiplier,
      },
      history: result.history,
    });
    return {
      model: info.ref, valAccuracy: result.valAccuracy, history: result.history, imagesPerSecond: result.imagesPerSecond,
      trainSeconds: result.trainSeconds, images: result.images, epochs: result.epochs, backend: result.backend, stem,
      data: result.data, classes: data.classes,
    };
  } finally {
    result.model.dispose();
  }
}
