// tfjs-core's FusedBatchNorm gradient builds dL/dx by Tile-ing 1/sqrt(var+eps) to the full
// activation shape before multiplying; on wasm that Tile costs ~15% of a ResNet-50 training step.
// This is the same gradient with a broadcasting multiply instead (the other four terms are
// tfjs-core's, unchanged). Gradients are global to tfjs, so it is registered only once the wasm
// backend is in use; the result is identical on every backend.
import * as tfjs from '@tensorflow/tfjs';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs';

let registered = false;

export function fastBatchNormGradientRegistered(): boolean {
  return registered;
}

export function registerFastBatchNormGradient(): void {
  if (registered) return;
  registered = true;
  const tf = tfjs;
  // registerGradient warns when it replaces an existing gradient; this replacement is deliberate.
  const warn = console.warn;
  console.warn = () => {};
  try {
    tf.registerGradient({
      kernelName: 'FusedBatchNorm',
      inputsToSave: ['x', 'mean', 'variance', 'scale'],
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
        const g = dy as Tensor;
        const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
        const [x, mean, variance, scale] = saved;
        const scaleValue = scale == null ? tf.scalar(1) : scale;
        const reductionAxes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
        const perChannel = mean.rank === 1;
        const xMinusMean = tf.sub(x, mean);
        const dyTimesScale = tf.mul(g, scaleValue);
        const oneOverSqrtVariance = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
        const minusHalfRCube = tf.mul(tf.mul(tf.mul(oneOverSqrtVariance, oneOverSqrtVariance), oneOverSqrtVariance), tf.scalar(-0.5));
        const reduce = (t: Tensor) => tf.reshape(perChannel ? tf.sum(t, reductionAxes) : t, mean.shape);
        return {
          // Broadcasting over the leading axes replaces tile(reshape(r, [1,1,1,C]), [N,H,W,1]).
          x: () => tf.reshape(tf.mul(tf.mul(g, oneOverSqrtVariance), scaleValue), x.shape),
          mean: () => reduce(tf.mul(tf.mul(oneOverSqrtVariance, tf.scalar(-1)), dyTimesScale)),
          variance: () => reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)),
          scale: () => reduce(tf.mul(g, tf.mul(xMinusMean, oneOverSqrtVariance))),
          offset: () => reduce(g),
        };
      },
    });
  } finally {
    console.warn = warn;
  }
}
