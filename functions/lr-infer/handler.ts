// lr-infer: predictions of a saved linear regression for rows of raw input variables.
// Body: {"model": "lr@latest", "x": [[x1, x2], ...]} with each row in the model's `variables` order.
import { type FunctionContext, type FunctionEvent, type FunctionResult, jsonBody } from '../../src/contract.js';
import { NotFoundError, ValidationError } from '../../src/errors.js';
import { initBackend } from '../../src/ml/backend.js';
import { parseFormula, type ParsedFormula } from '../../src/ml/formula.js';
import { predictLinear } from '../../src/ml/linreg.js';
import { batchField, maxBatch, ModelCache, numberRows, stringField } from '../../src/ml/serving.js';

export const DEFAULT_BATCH_LIMIT = 1024;

const models = new ModelCache<ParsedFormula>((meta, ref) => {
  if (!meta.formula) throw new NotFoundError(`model ${ref} has no formula in its metadata`);
  return parseFormula(meta.formula);
});

function defaultRef(ctx: FunctionContext): string {
  return ctx.env.FAASML_LR_MODEL ?? 'lr@latest';
}

export async function init(ctx: FunctionContext): Promise<void> {
  await initBackend();
  try {
    const m = await models.get(ctx.modelsDir, defaultRef(ctx), 'linreg');
    ctx.log.info('model loaded', { model: m.ref });
  } catch (err) {
    // No model yet is fine: requests answer 404 until one is trained.
    if (!(err instanceof NotFoundError)) throw err;
    ctx.log.info('no model to pre-load', { model: defaultRef(ctx) });
  }
}

export async function handle(event: FunctionEvent, ctx: FunctionContext): Promise<FunctionResult> {
  const started = performance.now();
  const body = jsonBody(event);
  const ref = stringField(body, 'model', defaultRef(ctx), 100);
  const { ref: resolved, model, extra: formula } = await models.get(ctx.modelsDir, ref, 'linreg');
  const width = formula.variables.length;
  const rows = batchField(body, 'x', maxBatch(ctx.env, DEFAULT_BATCH_LIMIT), `rows of ${width} numbers (${formula.variables.join(', ')})`);
  const inputs = numberRows(rows, 'x', width, formula.variables);
  const predictions = Array.from(predictLinear(model, formula, inputs, rows.length));
  const bad = predictions.findIndex((p) => !Number.isFinite(p));
  if (bad >= 0) throw new ValidationError(`x[${bad}]: the features (${formula.features.map((f) => f.name).join(', ')}) are not finite for these inputs`);
  return { body: { model: resolved, predictions, computeMs: performance.now() - started } };
}
