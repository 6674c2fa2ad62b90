// The wasm backend of TensorFlow.js has no Conv2DBackpropFilter kernel, so a convolutional net
// cannot train on it. This builds the filter gradient from kernels wasm does have:
//  - 1×1 filter: dW[c,k] = Σ_{n,oh,ow} x[n, oh·s, ow·s, c] · dy[n,oh,ow,k], one matMul of the
//    stride-sliced input (as [N·OH·OW, C]) and the output gradient (as [N·OH·OW, K]).
//  - k×k filter: dW[i,j,c,k] = Σ_{n,oh,ow} xpad[n, oh·s+i, ow·s+j, c] · dy[n,oh,ow,k], which is a
//    stride-1 'valid' convolution of xpad transposed to [C, H, W, N] (channels become the batch,
//    the batch becomes the channels) with dy transposed to [OH, OW, N, K] as the filter, dilated
//    by the stride; its [C, fh, fw, K] output transposed back is [fh, fw, C, K].
// The padding is tfjs's own (backend_util.computeConv2DInfo), so 'same' with odd or even sizes
// pads exactly as the forward convolution did.
import * as tfjs from '@tensorflow/tfjs';
import type { Tensor, Tensor4D, TensorInfo } from '@tensorflow/tfjs';

const KERNEL_NAME = 'Conv2DBackpropFilter';

export type Conv2DPad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface Conv2DBackpropFilterArgs {
  x: Tensor4D;
  dy: Tensor4D;
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The gradient of conv2d with respect to its filter, computed with matMul / conv2d / transpose /
 * pad / slice on whatever backend is active. Returns a [fh, fw, inChannels, outChannels] tensor.
 */
export function conv2dBackpropFilterFromForwardOps(args: Conv2DBackpropFilterArgs): Tensor4D {
  const tf = tfjs;
  return tf.tidy(() => {
    const nchw = args.dataFormat === 'NCHW';
    const x = nchw ? tf.transpose(args.x, [0, 2, 3, 1]) : args.x;
    const dy = nchw ? tf.transpose(args.dy, [0, 2, 3, 1]) : args.dy;
    const [fh, fw, inChannels, outChannels] = args.filterShape;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape, args.filterShape, args.strides, 1, args.pad as never, args.dimRoundingMode, false, 'channelsLast',
    );
    const [n, , , c] = x.shape;
    const [, oh, ow, k] = dy.shape;
    if (c !== inChannels || k !== outChannels || oh !== info.outHeight || ow !== info.outWidth) {
      throw new Error(
        `Conv2DBackpropFilter: x ${JSON.stringify(x.shape)} and dy ${JSON.stringify(dy.shape)} do not match filter ` +
          `${JSON.stringify(args.filterShape)} (expected dy [${n},${info.outHeight},${info.outWidth},${outChannels}])`,
      );
    }
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    const { top, left } = info.padInfo;

    if (fh === 1 && fw === 1 && top === 0 && left === 0) {
      // The rows and columns the 1×1 filter actually visits: 0, s, 2s, ...
      const visited = tf.stridedSlice(x, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c], [1, sh, sw, 1]);
      const rows = n * oh * ow;
      // Transpose explicitly: wasm's BatchMatMul takes a slow generic path for transposeA=true
      // (10-30× slower measured here), its XNNPACK path only for plain operands.
      const grad = tf.matMul(tf.transpose(tf.reshape(visited, [rows, c])), tf.reshape(dy, [rows, k]));
      return tf.reshape(grad, [1, 1, c, k]) as Tensor4D;
    }

    // Exactly the input window the filter sweeps: pad top/left as the forward pass did, then pad or
    // crop bottom/right so that height = (OH-1)·s + fh (same for width).
    const needH = (oh - 1) * sh + fh;
    const needW = (ow - 1) * sw + fw;
    const haveH = x.shape[1] + top;
    const haveW = x.shape[2] + left;
    let window: Tensor4D = x;
    if (top > 0 || left > 0 || needH > haveH || needW > haveW) {
      window = tf.pad(x, [[0, 0], [top, Math.max(0, needH - haveH)], [left, Math.max(0, needW - haveW)], [0, 0]]);
    }
    if (window.shape[1] > needH || window.shape[2] > needW) {
      window = tf.slice(window, [0, 0, 0, 0], [n, needH, needW, c]);
    }
    const channelsAsBatch = tf.transpose(window, [3, 1, 2, 0]); // [C, needH, needW, N]
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, K]
    const out = tf.conv2d(channelsAsBatch, dyAsFilter, 1, 'valid', 'NHWC', [sh, sw]); // [C, fh, fw, K]
    return tf.transpose(out, [1, 2, 0, 3]) as Tensor4D;
  });
}

/** Registers the kernel for the 'wasm' backend (no-op when it is already registered). */
export function registerWasmConv2DBackpropFilter(): void {
  const tf = tfjs;
  if (tf.getKernel(KERNEL_NAME, 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: KERNEL_NAME,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: Conv2DPad;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      // The engine hands kernels the input tensors; wrap bare TensorInfos just in case.
      return tf.tidy(() => {
        const x = asTensor(inputs.x as TensorInfo) as Tensor4D;
        const dy = asTensor(inputs.dy as TensorInfo) as Tensor4D;
        return conv2dBackpropFilterFromForwardOps({
          x, dy, filterShape: a.filterShape, strides: a.strides, pad: a.pad,
          dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode,
        });
      });
    },
  });
}

function asTensor(info: TensorInfo): Tensor {
  if (info instanceof tfjs.Tensor) return info;
  return tfjs.engine().makeTensorFromTensorInfo(info);
}
