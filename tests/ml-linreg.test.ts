import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateLinearData, leastSquares, predictLinear, trainLinearRegression } from '../src/ml/linreg.ts';
import { parseFormula } from '../src/ml/formula.ts';
import { ValidationError } from '../src/errors.ts';

describe('linear regression', () => {
  it('generates seeded data from the formula', () => {
    const a = generateLinearData({ formula: 'y = 3*x1 - 2*x2 + 1', samples: 100, seed: 1 });
    const b = generateLinearData({ formula: 'y = 3*x1 - 2*x2 + 1', samples: 100, seed: 1 });
    assert.deepEqual(a.X, b.X);
    assert.deepEqual(a.featureNames, ['x1', 'x2']);
    for (let i = 0; i < 100; i++) assert.ok(Math.abs(a.y[i] - (3 * a.X[2 * i] - 2 * a.X[2 * i + 1] + 1)) < 1e-5);
    assert.ok(a.rawInputs.every((v) => v >= -1 && v <= 1));
    // log/sqrt formulas get positive inputs.
    const c = generateLinearData({ formula: 'y = log(x) + 1', samples: 50, seed: 1 });
    assert.ok(c.rawInputs.every((v) => v > 0));
  });

  it('least squares recovers exact coefficients (float64)', () => {
    const f = parseFormula('y = 0.5*a - 7*b + 2*a*b + 3*sin(b) - 4');
    const d = generateLinearData({ formula: f, samples: 500, seed: 3 });
    const beta = leastSquares(d.X, d.y, d.n, f.features.length);
    [...f.coefficients, f.intercept].forEach((c, i) => assert.ok(Math.abs(beta[i] - c) < 1e-4, `${i}: ${beta[i]} vs ${c}`));
    // A repeated feature makes the system singular: a clear 422.
    assert.throws(() => leastSquares(new Float32Array([1, 1, 2, 2, 3, 3]), new Float32Array([1, 2, 3]), 3, 2), ValidationError);
  });

  it('fits y = 3*x1 - 2*x2 + 1 within 1% (10,000 samples, 50 epochs, noiseless)', async () => {
    const r = await trainLinearRegression({ formula: 'y = 3*x1 - 2*x2 + 1', samples: 10_000, epochs: 50, seed: 42 });
    assert.equal(r.coefficients.length, 3);
    for (const c of r.coefficients) {
      assert.ok(Math.abs(c.fitted - c.true) <= 0.01 * Math.abs(c.true), `${c.term}: fitted ${c.fitted}, true ${c.true}`);
      assert.ok(Math.abs(c.leastSquares - c.true) < 1e-5);
    }
    assert.ok(r.r2Test > 0.9999);
    assert.ok(r.mseTest < 1e-4);
    assert.equal(r.lossHistory.length, 50);
    assert.ok(r.lossHistory[49] < r.lossHistory[0]);
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(r.backend));
    // The model acts on raw inputs through the formula's features.
    const p = predictLinear(r.model, parseFormula(r.formula), [1, 2, -0.5, 0.25], 2);
    assert.ok(Math.abs(p[0] - 0) < 1e-3 && Math.abs(p[1] - (-1.5 - 0.5 + 1)) < 1e-3);
    r.model.dispose();
  });

  it('fits features of a nonlinear formula with noise', async () => {
    const r = await trainLinearRegression({ formula: 'price = 2.5*area + 0.3*area^2 - 4*sin(age) + 7', samples: 2000, epochs: 15, noise: 0.01, seed: 1 });
    for (const c of r.coefficients) assert.ok(Math.abs(c.fitted - c.true) < 0.05, `${c.term}: ${c.fitted} vs ${c.true}`);
    r.model.dispose();
  });

  it('rejects out-of-range options with 422', async () => {
    for (const bad of [{ samples: 5 }, { samples: 2e6 }, { epochs: 0 }, { epochs: 1.5 }, { learningRate: -1 }, { learningRate: NaN }]) {
      await assert.rejects(trainLinearRegression({ formula: 'y = x + 1', ...bad }), ValidationError);
    }
    await assert.rejects(trainLinearRegression({ formula: 'y = 3**x' }), /column 7/);
  });
});
