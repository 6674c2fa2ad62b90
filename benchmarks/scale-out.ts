// Does a second instance give a second core's worth of throughput? resnet-infer with max 2,
// target 1 (two instances kept ready): images/s with 1 closed-loop client, then with 2.
//   node --import tsx benchmarks/scale-out.ts [--seconds 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startPlatform } from '../src/platform/index.js';
import { sampleImage, trainModels } from './bench-util.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, function: { type: 'string', default: 'resnet-infer' } } });
const seconds = Number(values.seconds);
const name = values.function!;
const dir = mkdtempSync(join(tmpdir(), 'faasml-scale-'));
const models = join(dir, 'models');
await trainModels(models, [name.startsWith('lr') ? 'lr' : 'resnet']);
const body = name.startsWith('lr') ? JSON.stringify({ x: [[1, 2]] }) : JSON.stringify({ x: [sampleImage()] });

const platform = await startPlatform({
  port: 0,
  stateDir: join(dir, 'state'),
  modelsDir: models,
  startMode: 'cold',
  functions: [{ name, handler: resolve('functions', name), labels: { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2', 'com.openfaas.scale.target': '1' } }],
});

async function client(until: number, instances: Set<string>): Promise<number> {
  let n = 0;
  while (performance.now() < until) {
    const r = await fetch(`${platform.url}/function/${name}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${name} answered ${r.status}`);
    instances.add(r.headers.get('x-faasml-instance') ?? '?');
    n++;
  }
  return n;
}

async function run(clients: number): Promise<{ rps: number; instances: number }> {
  const used = new Set<string>();
  const start = performance.now();
  const until = start + seconds * 1000;
  const counts = await Promise.all(Array.from({ length: clients }, () => client(until, used)));
  const elapsed = (performance.now() - start) / 1000;
  return { rps: counts.reduce((a, b) => a + b, 0) / elapsed, instances: used.size };
}

try {
  await run(2); // warm both instances (first predictions compile kernels)
  // 1, 2, 1 clients: the 1-client figure is the mean of the runs around the 2-client one, so a
  // change in machine load during the benchmark shows up instead of skewing the ratio.
  const oneA = await run(1);
  const two = await run(2);
  const oneB = await run(1);
  const one = { rps: (oneA.rps + oneB.rps) / 2, instances: oneA.instances };
  console.log(`1 client before: ${oneA.rps.toFixed(2)} req/s, after: ${oneB.rps.toFixed(2)} req/s`);
  console.table([
    { clients: 1, 'req/s': +one.rps.toFixed(2), 'instances used': one.instances },
    { clients: 2, 'req/s': +two.rps.toFixed(2), 'instances used': two.instances },
  ]);
  console.log(`${name}: 2 clients give ${(two.rps / one.rps).toFixed(2)}x the throughput of 1 (target >= 1.7x)`);
} finally {
  await platform.stop();
  rmSync(dir, { recursive: true, force: true });
}
