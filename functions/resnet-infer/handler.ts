// resnet-infer: classifies images with a saved ResNet-50.
// Body: {"model": "resnet@latest", "images": [base64 PNG/JPEG, ...]} or {"x": [image, ...]} where
// an image is 32×32×3 nested arrays or 3072 flat numbers (HWC RGB, 0..1).
import { type FunctionContext, type FunctionEvent, type FunctionResult, jsonBody } from '../../src/contract.js';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import { initBackend } from '../../src/ml/backend.js';
import { decodeImage } from '../../src/ml/images.js';
import { predictImages } from '../../src/ml/resnet-train.js';
import { batchField, imageArray, maxBatch, ModelCache, stringField } from '../../src/ml/serving.js';

export const DEFAULT_BATCH_LIMIT = 64;

const models = new ModelCache<string[]>((meta, ref) => {
  if (!meta.classes?.length) throw new NotFoundError(`model ${ref} has no class names in its metadata`);
  return meta.classes;
});

function defaultRef(ctx: FunctionContext): string {
  return ctx.env.FAASML_RESNET_MODEL ?? 'resnet@latest';
}

export async function init(ctx: FunctionContext): Promise<void> {
  await initBackend();
  try {
    const m = await models.get(ctx.modelsDir, defaultRef(ctx), 'resnet50');
    ctx.log.info('model loaded', { model: m.ref });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    ctx.log.info('no model to pre-load', { model: defaultRef(ctx) });
  }
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

function base64Image(v: unknown, name: string): Buffer {
  if (typeof v !== 'string') throw new ValidationError(`${name}: expected a base64 PNG or JPEG string, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  const payload = v.replace(/^data:image\/[\w.+-]+;base64,/, '').replace(/\s+/g, '');
  if (payload.length === 0 || !BASE64_RE.test(payload)) throw new ValidationError(`${name}: expected a base64 PNG or JPEG string`);
  return Buffer.from(payload, 'base64');
}

export async function handle(event: FunctionEvent, ctx: FunctionContext): Promise<FunctionResult> {
  const started = performance.now();
  const body = jsonBody(event);
  const ref = stringField(body, 'model', defaultRef(ctx), 100);
  const hasImages = body.images !== undefined;
  const hasX = body.x !== undefined;
  if (hasImages === hasX) throw new ValidationError('expected exactly one of images (base64 PNG/JPEG strings) or x (32×32×3 arrays)');
  const { ref: resolved, model, extra: classes } = await models.get(ctx.modelsDir, ref, 'resnet50');
  const [, h, w] = model.inputs[0].shape as number[];
  const limit = maxBatch(ctx.env, DEFAULT_BATCH_LIMIT);
  const field = hasImages ? 'images' : 'x';
  const items = batchField(body, field, limit, hasImages ? 'base64 PNG or JPEG strings' : `${h}×${w}×3 images`);
  const pixels = h * w * 3;
  const x = new Float32Array(items.length * pixels);
  items.forEach((item, i) => {
    if (hasImages) x.set(decodeImage(base64Image(item, `images[${i}]`), h, w, `images[${i}]`), i * pixels);
    else imageArray(item, `x[${i}]`, h, w, x, i * pixels);
  });
  const predictions = predictImages(model, x, items.length, classes).map((p) => ({ class: p.className, classIndex: p.classIndex, probabilities: p.probabilities }));
  return { body: { model: resolved, predictions, computeMs: performance.now() - started } };
}
