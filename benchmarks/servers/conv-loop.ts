// A control for benchmarks/scale-out.ts: TensorFlow.js convolutions on the same backend the
// instances use, as fast as possible for --ms milliseconds; prints how many ran. Two of these
// side by side show what the machine gives two instances with no platform involved.
//   node --import tsx benchmarks/servers/conv-loop.ts --ms 2000
import { parseArgs } from 'node:util';
import { initBackend, tf } from '../../src/ml/backend.js';

const { values } = parseArgs({ options: { ms: { type: 'string', default: '2000' } } });
await initBackend();
const t = tf();
const x = t.randomNormal([1, 32, 32, 64]) as import('@tensorflow/tfjs').Tensor4D;
const w = t.randomNormal([3, 3, 64, 64]) as import('@tensorflow/tfjs').Tensor4D;
for (let i = 0; i < 10; i++) t.conv2d(x, w, 1, 'same').dispose();
let n = 0;
const end = performance.now() + Number(values.ms);
while (performance.now() < end) {
  t.conv2d(x, w, 1, 'same').dispose();
  n++;
}
console.log(n);
