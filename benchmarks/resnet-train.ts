// ResNet-50 (full width, ImageNet stem, 32×32 inputs) training throughput on every backend this
// machine has, in one process, side by side; plus wasm inference latency for one image.
// The machine may be shared, so besides wall-clock images/s it prints images per second of this
// process's own CPU time (the backends run on one thread, so that is the less noisy figure).
//   node --import tsx benchmarks/resnet-train.ts [--batch 32] [--steps 3] [--cpu-batch 2] [--no-cpu] [--stem imagenet|cifar]
import { parseArgs } from 'node:util';
import { initBackend, tf, type BackendName } from '../src/ml/backend.js';
import { buildResNet50, type Stem } from '../src/ml/resnet50.js';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '3' },
    'cpu-batch': { type: 'string', default: '2' },
    'no-cpu': { type: 'boolean', default: false },
    'infer-runs': { type: 'string', default: '20' },
    stem: { type: 'string', default: 'imagenet' },
  },
});

interface Measure { backend: BackendName; batch: number; steps: number; seconds: number; cpuSeconds: number; imagesPerSecond: number; imagesPerCpuSecond: number }

const stem = args.stem as Stem;
if (stem !== 'imagenet' && stem !== 'cifar') throw new Error(`--stem must be imagenet or cifar, got ${args.stem}`);

function randomBatch(batch: number) {
  const t = tf();
  const xs = t.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1) as ReturnType<typeof t.zeros>;
  const ys = t.oneHot(t.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10).toFloat();
  return { xs, ys };
}

/** Seconds per image of trainOnBatch after `warmup` untimed steps. */
async function measureTraining(backend: BackendName, batch: number, steps: number, warmup: number): Promise<Measure> {
  await initBackend(backend);
  const t = tf();
  const model = buildResNet50({ stem, numClasses: 10, inputShape: [32, 32, 3], seed: 1 });
  model.compile({ optimizer: t.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
  const { xs, ys } = randomBatch(batch);
  for (let i = 0; i < warmup; i++) await model.trainOnBatch(xs, ys);
  const began = performance.now();
  const cpuBegan = process.cpuUsage();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(xs, ys);
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBegan);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  xs.dispose();
  ys.dispose();
  model.optimizer.dispose();
  model.dispose();
  return { backend, batch, steps, seconds, cpuSeconds, imagesPerSecond: (batch * steps) / seconds, imagesPerCpuSecond: (batch * steps) / cpuSeconds };
}

async function measureInference(runs: number): Promise<{ medianMs: number; p90Ms: number }> {
  await initBackend('wasm');
  const t = tf();
  const model = buildResNet50({ stem, numClasses: 10, inputShape: [32, 32, 3], seed: 1 });
  const x = t.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2);
  const once = () => t.tidy(() => (model.predict(x) as ReturnType<typeof t.zeros>).dataSync());
  for (let i = 0; i < 3; i++) once();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    once();
    ms.push(performance.now() - began);
  }
  x.dispose();
  model.dispose();
  ms.sort((a, b) => a - b);
  return { medianMs: ms[Math.floor(ms.length / 2)], p90Ms: ms[Math.floor(ms.length * 0.9)] };
}

const batch = Number(args.batch);
const steps = Number(args.steps);
const cpuBatch = Number(args['cpu-batch']);
console.log(`ResNet-50, ${stem} stem, 32×32×3 inputs, 10 classes, SGD momentum; node ${process.version}`);

const results: Measure[] = [];
results.push(await measureTraining('wasm', batch, steps, 1));
// The cpu backend is ~100× slower: one small timed batch, no warm-up.
if (!args['no-cpu']) results.push(await measureTraining('cpu', cpuBatch, 1, 0));

console.log('\nbackend  batch  steps  seconds  images/s  cpu-seconds  images/cpu-s');
for (const r of results) {
  console.log(
    `${r.backend.padEnd(8)} ${String(r.batch).padStart(5)}  ${String(r.steps).padStart(5)}  ${r.seconds.toFixed(2).padStart(7)}  ` +
      `${r.imagesPerSecond.toFixed(3).padStart(8)}  ${r.cpuSeconds.toFixed(2).padStart(11)}  ${r.imagesPerCpuSecond.toFixed(3).padStart(12)}`,
  );
}
const wasm = results.find((r) => r.backend === 'wasm');
const cpu = results.find((r) => r.backend === 'cpu');
if (wasm && cpu) {
  const ratio = wasm.imagesPerSecond / cpu.imagesPerSecond;
  const cpuRatio = wasm.imagesPerCpuSecond / cpu.imagesPerCpuSecond;
  console.log(`\nwasm / cpu training speed: ${ratio.toFixed(1)}× wall-clock, ${cpuRatio.toFixed(1)}× per CPU-second (target ≥ 30×)`);
}
const inference = await measureInference(Number(args['infer-runs']));
console.log(`wasm inference (${stem} stem), one 32×32 image: median ${inference.medianMs.toFixed(1)} ms, p90 ${inference.p90Ms.toFixed(1)} ms`);
