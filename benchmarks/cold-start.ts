// Request → response on a brand-new instance, `cold` (a new Node process loads TensorFlow.js,
// the function and its model) against `warm-pool` (a pre-started process with TensorFlow.js and
// the backend ready is handed the function), median of N, for lr-infer and resnet-infer.
// 'ready ms' is process start (or hand-over) to ready; 'of which init()' is the handler's init.
//   node --import tsx benchmarks/cold-start.ts [--runs 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startPlatform } from '../src/platform/index.js';
import { sampleImage, trainModels } from './bench-util.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'faasml-cold-'));
const models = join(dir, 'models');
await trainModels(models, ['lr', 'resnet']);

const bodies: Record<string, string> = { 'lr-infer': JSON.stringify({ x: [[1, 2]] }), 'resnet-infer': JSON.stringify({ x: [sampleImage()] }) };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows: Record<string, string | number>[] = [];

for (const mode of ['cold', 'warm-pool'] as const) {
  const platform = await startPlatform({
    port: 0,
    stateDir: join(dir, `state-${mode}`),
    modelsDir: models,
    startMode: mode,
    warmPoolSize: 1,
    functions: Object.keys(bodies).map((name) => ({ name, handler: resolve('functions', name), labels: { 'com.openfaas.scale.min': '0', 'com.openfaas.scale.max': '1' } })),
  });
  try {
    for (const name of Object.keys(bodies)) {
      const times: number[] = [];
      const inits: number[] = [];
      const starts: number[] = [];
      let cold = 0;
      for (let i = 0; i < runs; i++) {
        platform.scale(name, 0);
        while (platform.status().find((s) => s.name === name)!.replicas > 0) await new Promise((r) => setTimeout(r, 20));
        await platform.warmPoolSettled();
        await new Promise((r) => setTimeout(r, 200)); // let the machine settle after the pool refill
        const t0 = performance.now();
        const r = await fetch(`${platform.url}/function/${name}`, { method: 'POST', body: bodies[name], headers: { 'content-type': 'application/json' } });
        await r.arrayBuffer();
        times.push(performance.now() - t0);
        if (r.status !== 200) throw new Error(`${name} answered ${r.status}`);
        if (r.headers.get('x-faasml-cold-start') === 'true') cold++;
        const inst = platform.status().find((s) => s.name === name)!.instances[0];
        inits.push(inst.initMs);
        starts.push(inst.startMs);
      }
      rows.push({ function: name, mode, 'median ms': Math.round(median(times)), 'min ms': Math.round(Math.min(...times)), 'max ms': Math.round(Math.max(...times)), 'ready ms': median(starts), 'of which init()': median(inits), 'cold-start header': `${cold}/${runs}` });
    }
  } finally {
    await platform.stop();
  }
}
console.table(rows);
for (const name of Object.keys(bodies)) {
  const c = rows.find((r) => r.function === name && r.mode === 'cold')!;
  const w = rows.find((r) => r.function === name && r.mode === 'warm-pool')!;
  const target = name === 'lr-infer' ? 50 : 500;
  console.log(`${name}: warm-pool ${w['median ms']} ms vs cold ${c['median ms']} ms (${(Number(c['median ms']) / Number(w['median ms'])).toFixed(1)}x faster; target <= ${target} ms)`);
}
rmSync(dir, { recursive: true, force: true });
