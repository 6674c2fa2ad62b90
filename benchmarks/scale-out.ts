// Does a second instance give a second core's worth of throughput? resnet-infer with max 2,
// target 1 (two instances kept ready) behind `faasml up` in its own process; wrk drives 1
// closed-loop connection, then 2, then 1 again (the 1-connection figure is the mean of the two
// runs around the 2-connection one, so a change in machine load shows instead of skewing it).
//   node --import tsx benchmarks/scale-out.ts [--seconds 10] [--function resnet-infer]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type WrkResult, pinned, sampleImage, stopChild, trainModels, waitUntilOk, wrk } from './bench-util.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, function: { type: 'string', default: 'resnet-infer' }, port: { type: 'string', default: '8183' } } });
const seconds = Number(values.seconds);
const name = values.function!;
const dir = mkdtempSync(join(tmpdir(), 'faasml-scale-'));
const models = join(dir, 'models');
await trainModels(models, [name.startsWith('lr') ? 'lr' : 'resnet']);
const body = name.startsWith('lr') ? JSON.stringify({ x: [[1, 2]] }) : JSON.stringify({ x: [sampleImage()] });
const stack = join(dir, 'stack.yml');
writeFileSync(stack, `functions:\n  ${name}:\n    handler: ${resolve('functions', name)}\n    labels: {com.openfaas.scale.min: "2", com.openfaas.scale.max: "2", com.openfaas.scale.target: "1"}\n`);
const url = `http://127.0.0.1:${values.port}/function/${name}`;
const gateway = pinned('0,1', process.execPath, ['bin/faasml.js', 'up', '--port', values.port!, '--state-dir', join(dir, 'state'), '-f', stack, '--start-mode', 'cold'], { FAASML_MODELS: models });

// Control: how much parallelism the machine gives right now, with no platform involved: the
// work two bare Node processes do in a fixed time against one. On an idle 2-core machine ~2.
function spin(ms: number): Promise<number> {
  const code = `let n=0,x=0;const end=Date.now()+${ms};while(Date.now()<end){for(let i=0;i<1e5;i++)x+=Math.sqrt(i);n++}console.log(n)`;
  return new Promise((ok, fail) => execFile(process.execPath, ['-e', code], (err, out) => (err ? fail(err) : ok(Number(out)))));
}
function convs(ms: number): Promise<number> {
  return new Promise((ok, fail) => execFile(process.execPath, ['--import', 'tsx', 'benchmarks/servers/conv-loop.ts', '--ms', String(ms)], (err, out) => (err ? fail(err) : ok(Number(out.trim().split('\n').pop())))));
}
const machine = (await Promise.all([spin(2000), spin(2000)])).reduce((a, b) => a + b, 0) / (await spin(2000));
const machineTf = (await Promise.all([convs(3000), convs(3000)])).reduce((a, b) => a + b, 0) / (await convs(3000));

try {
  await waitUntilOk(url, body);
  await wrk(url, body, 2, 3, '0,1', dir); // warm both instances (first predictions compile kernels)
  const oneA: WrkResult = await wrk(url, body, 1, seconds, '0,1', dir);
  const two: WrkResult = await wrk(url, body, 2, seconds, '0,1', dir);
  const oneB: WrkResult = await wrk(url, body, 1, seconds, '0,1', dir);
  const one = (oneA.rps + oneB.rps) / 2;
  console.table([
    { connections: 1, 'req/s': +one.toFixed(2), 'p50 ms': oneA.p50ms, note: `mean of ${oneA.rps.toFixed(2)} before and ${oneB.rps.toFixed(2)} after` },
    { connections: 2, 'req/s': +two.rps.toFixed(2), 'p50 ms': two.p50ms, note: `${two.errors} errors` },
  ]);
  console.log(`${name}: 2 clients give ${(two.rps / one).toFixed(2)}x the throughput of 1 (target >= 1.7x)`);
  console.log(`machine control: 2 bare processes do ${machine.toFixed(2)}x the work of 1 in a JS loop, ${machineTf.toFixed(2)}x in TensorFlow.js convolutions (an idle 2-core machine gives ~2)`);
} finally {
  await stopChild(gateway);
  rmSync(dir, { recursive: true, force: true });
}
