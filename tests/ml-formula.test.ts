import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { featurize, parseFormula } from '../src/ml/formula.ts';
import { ValidationError } from '../src/errors.ts';

function parseError(src: string): ValidationError {
  try {
    parseFormula(src);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError for ${JSON.stringify(src.slice(0, 40))}, got ${err}`);
    assert.equal(err.statusCode, 422);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(src.slice(0, 40))} to fail`);
}

describe('parseFormula', () => {
  it('parses a linear formula', () => {
    const f = parseFormula('y = 3*x1 - 2*x2 + 1');
    assert.equal(f.target, 'y');
    assert.deepEqual(f.features.map((t) => t.name), ['x1', 'x2']);
    assert.deepEqual(f.coefficients, [3, -2]);
    assert.equal(f.intercept, 1);
    assert.deepEqual(f.variables, ['x1', 'x2']);
    assert.deepEqual(Array.from(featurize(f, [1, 2, 3, 4], 2)), [1, 2, 3, 4]);
  });

  it('parses powers, calls, products and folds constants', () => {
    const f = parseFormula('price = 2.5*area + 0.3*area^2 - 4*sin(age) + 7 + x1*x2/2 - 1e-1');
    assert.deepEqual(f.features.map((t) => t.name), ['area', 'area^2', 'sin(age)', 'x1*x2']);
    assert.deepEqual(f.coefficients, [2.5, 0.3, -4, 0.5]);
    assert.ok(Math.abs(f.intercept - 6.9) < 1e-12);
    assert.deepEqual(f.variables, ['area', 'age', 'x1', 'x2']);
    const v = [2, 0.5, 3, 4];
    assert.equal(f.features[1].evaluate(v), 4);
    assert.equal(f.features[2].evaluate(v), Math.sin(0.5));
    assert.equal(f.features[3].evaluate(v), 12);
  });

  it('merges repeated terms, handles unary minus and nested calls', () => {
    const f = parseFormula('z = x + 2*x - -x + exp(-abs(x))*3 + sqrt(log(w + 2))');
    assert.deepEqual(f.features.map((t) => t.name), ['x', 'exp(-abs(x))', 'sqrt(log(w + 2))']);
    assert.deepEqual(f.coefficients, [4, 3, 1]);
    assert.ok(f.needsPositiveInputs);
  });

  it('names the column and what was expected', () => {
    assert.equal(parseError('y = 3**x').message, "formula: unexpected '*' at column 7, expected a number, a variable or '('");
    assert.match(parseError('y = 3*x +').message, /end of the formula at column 10/);
    assert.match(parseError('y = (x1 + 2').message, /expected '\)'/);
    assert.match(parseError('3*x = y').message, /column 1, expected the target name/);
    assert.match(parseError('y 3*x').message, /expected '='/);
  });

  it('rejects hostile and degenerate input cleanly', () => {
    for (const src of [
      '', '   ', 'constructor', '__proto__', 'process.exit()', "require('fs')", 'y = process.exit()',
      'y = constructor', 'y = __proto__ + x', 'y = x.constructor', 'x1 = 2', 'y = 2 + 3', 'y = y + x',
      'y = foo(x)', 'y = eval(x)', 'y = x; drop', 'y = `x`', 'y = sin', 'y = x ^ 2 ^ 3', 'y = 1e999*x',
      'y = ' + '('.repeat(100) + 'x' + ')'.repeat(100), 'y = ' + 'x+'.repeat(300) + 'x', 'y = \u0000x',
      'y = x = 2', 'y = x\ny2 = 3',
    ]) parseError(src);
    assert.match(parseError('y = foo(x)').message, /unknown function 'foo' at column 5, expected one of sin, cos, exp, log, sqrt, abs/);
    assert.match(parseError('y = ' + 'x+'.repeat(300) + 'x').message, /too long/);
    assert.match(parseError('y = ' + '('.repeat(30) + 'x' + ')'.repeat(30)).message, /nesting too deep/);
    assert.match(parseError('x1 = 2').message, /no feature terms/);
    // Non-strings (a JSON body may carry anything).
    assert.throws(() => parseFormula(42 as unknown as string), ValidationError);
  });

  it('keeps variable lookup free of prototype names', () => {
    const f = parseFormula('y = toString + valueOf*2 + hasOwnProperty');
    assert.deepEqual(f.variables, ['toString', 'valueOf', 'hasOwnProperty']);
    assert.equal(f.features[1].evaluate([1, 5, 2]), 5);
  });
});
