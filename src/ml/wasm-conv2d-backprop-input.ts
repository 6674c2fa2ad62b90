// The wasm backend's own Conv2DBackpropInput kernel is a plain loop, slower than everything else
// in a ResNet training step. This computes the same input gradient with kernels that run on
// XNNPACK (matMul, conv2d) plus pad / reshape / transpose / reverse:
//  - 1×1 filter, no padding: dx = dy · Wᵀ at the visited positions (0, s, 2s, ...), zeros elsewhere.
//  - k×k filter: dx = stride-1 'valid' convolution of dy — spread out by the stride (s-1 zeros
//    between rows and columns) and padded by fh-1-top on top (fw-1-left on the left) — with the
//    filter turned 180° and its in/out channels swapped (or, when the filter is the larger
//    tensor, the gradient flipped before and the result flipped after, which is the same).
// Padding comes from tfjs's backend_util.computeConv2DInfo, as in the forward convolution.
import * as tfjs from '@tensorflow/tfjs';
import type { Tensor4D, TensorInfo } from '@tensorflow/tfjs';
import type { Conv2DPad } from './wasm-conv2d-backprop-filter.js';

const KERNEL_NAME = 'Conv2DBackpropInput';

export interface Conv2DBackpropInputArgs {
  dy: Tensor4D;
  filter: Tensor4D;
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  pad: Conv2DPad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Inserts s-1 zero rows/columns after every row/column of an NHWC tensor: [N,H,W,C] → [N,H·sh,W·sw,C]. */
function spread(t: Tensor4D, sh: number, sw: number): Tensor4D {
  const tf = tfjs;
  if (sh === 1 && sw === 1) return t;
  const [n, h, w, c] = t.shape;
  // Rows first, then columns, so each pad is on a rank-4 tensor.
  let out = t;
  if (sh > 1) out = tf.reshape(tf.pad(tf.reshape(out, [n * h, 1, w, c]), [[0, 0], [0, sh - 1], [0, 0], [0, 0]]), [n, h * sh, w, c]);
  if (sw > 1) out = tf.reshape(tf.pad(tf.reshape(out, [n * h * sh, w, 1, c]), [[0, 0], [0, 0], [0, sw - 1], [0, 0]]), [n, h * sh, w * sw, c]);
  return out;
}

/** Pads (positive) or crops (negative) the bottom and right of an NHWC tensor to height × width, after top/left pads. */
function fit(t: Tensor4D, top: number, left: number, height: number, width: number): Tensor4D {
  const tf = tfjs;
  let out = t;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  if (cropTop > 0 || cropLeft > 0) out = tf.slice(out, [0, cropTop, cropLeft, 0], [-1, -1, -1, -1]);
  const padTop = Math.max(0, top);
  const padLeft = Math.max(0, left);
  const bottom = height - (out.shape[1] + padTop);
  const right = width - (out.shape[2] + padLeft);
  if (padTop > 0 || padLeft > 0 || bottom > 0 || right > 0) {
    out = tf.pad(out, [[0, 0], [padTop, Math.max(0, bottom)], [padLeft, Math.max(0, right)], [0, 0]]);
  }
  if (out.shape[1] > height || out.shape[2] > width) out = tf.slice(out, [0, 0, 0, 0], [-1, height, width, -1]);
  return out;
}

/** The gradient of conv2d with respect to its input, [N, H, W, C] (or NCHW when asked). */
export function conv2dBackpropInputFromForwardOps(args: Conv2DBackpropInputArgs): Tensor4D {
  const tf = tfjs;
  return tf.tidy(() => {
    const nchw = args.dataFormat === 'NCHW';
    const dy = nchw ? tf.transpose(args.dy, [0, 2, 3, 1]) : args.dy;
    const [n, h, w, c] = nchw
      ? [args.inputShape[0], args.inputShape[2], args.inputShape[3], args.inputShape[1]]
      : args.inputShape;
    const [fh, fw, inChannels, outChannels] = args.filter.shape;
    const info = tf.backend_util.computeConv2DInfo(
      [n, h, w, c], args.filter.shape, args.strides, 1, args.pad as never, args.dimRoundingMode, false, 'channelsLast',
    );
    const [, oh, ow, k] = dy.shape;
    if (c !== inChannels || k !== outChannels || oh !== info.outHeight || ow !== info.outWidth || dy.shape[0] !== n) {
      throw new Error(
        `Conv2DBackpropInput: dy ${JSON.stringify(dy.shape)} and filter ${JSON.stringify(args.filter.shape)} ` +
          `do not match input ${JSON.stringify([n, h, w, c])}`,
      );
    }
    const sh = info.strideHeight;
    const sw = info.strideWidth;
    const { top, left } = info.padInfo;
    let dx: Tensor4D;
    if (fh === 1 && fw === 1 && top === 0 && left === 0) {
      const rows = n * oh * ow;
      const wT = tf.transpose(tf.reshape(args.filter, [c, k])); // [K, C]
      const atVisited = tf.reshape(tf.matMul(tf.reshape(dy, [rows, k]), wT), [n, oh, ow, c]) as Tensor4D;
      dx = fit(spread(atVisited, sh, sw), 0, 0, h, w);
    } else {
      const spreadDy = spread(dy, sh, sw);
      const padded = fit(spreadDy, fh - 1 - top, fw - 1 - left, h + fh - 1, w + fw - 1);
      const swapped = tf.transpose(args.filter, [0, 1, 3, 2]) as Tensor4D; // [fh, fw, K, C]
      // The filter must be turned 180°. Reversing moves data slowly on wasm, so reverse the smaller
      // side: the filter, or both the padded gradient and the result, since
      // correlate(a, turned W) = flip(correlate(flip(a), W)) over the spatial axes.
      if (args.filter.size <= padded.size + n * h * w * c) {
        dx = tf.conv2d(padded, tf.reverse(swapped, [0, 1]), 1, 'valid');
      } else {
        dx = tf.reverse(tf.conv2d(tf.reverse(padded, [1, 2]), swapped, 1, 'valid'), [1, 2]);
      }
    }
    return nchw ? (tf.transpose(dx, [0, 3, 1, 2]) as Tensor4D) : dx;
  });
}

/** Replaces wasm's built-in Conv2DBackpropInput with the version above (once). */
export function registerWasmConv2DBackpropInput(): void {
  const tf = tfjs;
  const existing = tf.getKernel(KERNEL_NAME, 'wasm') as { faasml?: boolean } | undefined;
  if (existing?.faasml) return;
  if (existing !== undefined) tf.unregisterKernel(KERNEL_NAME, 'wasm');
  const config = {
    kernelName: KERNEL_NAME,
    backendName: 'wasm',
    faasml: true,
    kernelFunc: ({ inputs, attrs }: { inputs: Record<string, TensorInfo>; attrs?: Record<string, unknown> }) => {
      const a = attrs as unknown as {
        strides: number | [number, number];
        pad: Conv2DPad;
        dataFormat: 'NHWC' | 'NCHW';
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        inputShape: [number, number, number, number];
      };
      return tf.tidy(() =>
        conv2dBackpropInputFromForwardOps({
          dy: asTensor(inputs.dy) as Tensor4D, filter: asTensor(inputs.filter) as Tensor4D, inputShape: a.inputShape,
          strides: a.strides, pad: a.pad, dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode,
        }),
      );
    },
  };
  tf.registerKernel(config as unknown as Parameters<typeof tf.registerKernel>[0]);
}

function asTensor(info: TensorInfo) {
  if (info instanceof tfjs.Tensor) return info;
  return tfjs.engine().makeTensorFromTensorInfo(info);
}
