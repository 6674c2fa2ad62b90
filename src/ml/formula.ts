// "Fitting a formula": parses `y = 3*x1 - 2*x2 + 1` or
// `price = 2.5*area + 0.3*area^2 - 4*sin(age) + 7` into a target, feature terms with their
// true coefficients, and an intercept. A hand-written tokenizer and recursive-descent parser
// build closures over an AST: no eval, no Function, and variables live in arrays indexed by
// position, so a hostile name like `constructor` or `__proto__` is just text.
import { ValidationError } from '../errors.js';

export const MAX_FORMULA_LENGTH = 500;
const MAX_DEPTH = 24;
const MAX_FEATURES = 64;
const MAX_VARIABLES = 32;
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const FUNCTIONS = new Map<string, (v: number) => number>([
  ['sin', Math.sin],
  ['cos', Math.cos],
  ['exp', Math.exp],
  ['log', Math.log],
  ['sqrt', Math.sqrt],
  ['abs', Math.abs],
]);
export const FUNCTION_NAMES = [...FUNCTIONS.keys()];

export interface Feature {
  /** Canonical text of the term without its coefficient, e.g. `x1^2`, `sin(age)`. */
  name: string;
  /** The feature's value for one row of raw inputs, given in the order of `variables`. */
  evaluate(values: ArrayLike<number>): number;
}

export interface ParsedFormula {
  source: string;
  target: string;
  features: Feature[];
  /** True coefficient of each feature (same order as `features`). */
  coefficients: number[];
  intercept: number;
  /** Input variables in order of first appearance. */
  variables: string[];
  /** Whether some feature needs positive inputs (log, sqrt). */
  needsPositiveInputs: boolean;
}

type TokenKind = 'num' | 'ident' | 'op' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value: number;
  column: number; // 1-based
}

function fail(message: string): never {
  throw new ValidationError(`formula: ${message}`);
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of the formula' : `'${t.text}'`;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const column = i + 1;
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i, i + 64));
    if (num) {
      tokens.push({ kind: 'num', text: num[0], value: Number(num[0]), column });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 65));
    if (id) {
      if (id[0].length > 64) fail(`name too long at column ${column} (at most 64 characters)`);
      tokens.push({ kind: 'ident', text: id[0], value: NaN, column });
      i += id[0].length;
      continue;
    }
    if ('+-*/^()='.includes(c)) {
      tokens.push({ kind: 'op', text: c, value: NaN, column });
      i++;
      continue;
    }
    const shown = c.codePointAt(0)! < 32 ? `character code ${c.codePointAt(0)}` : `'${c}'`;
    fail(`unexpected ${shown} at column ${column}, expected a number, a variable, an operator or a parenthesis`);
  }
  tokens.push({ kind: 'end', text: '', value: NaN, column: src.length + 1 });
  return tokens;
}

// The expression tree; `text` is canonical so equal features merge.
type Node =
  | { kind: 'num'; value: number }
  | { kind: 'var'; name: string }
  | { kind: 'neg'; arg: Node }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '^'; left: Node; right: Node }
  | { kind: 'call'; fn: string; arg: Node };

function isConst(n: Node): boolean {
  switch (n.kind) {
    case 'num':
      return true;
    case 'var':
      return false;
    case 'neg':
    case 'call':
      return isConst(n.arg);
    case 'bin':
      return isConst(n.left) && isConst(n.right);
  }
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(+v.toPrecision(12));
}

const PRECEDENCE: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2, '^': 3 };

function text(n: Node, parent = 0): string {
  switch (n.kind) {
    case 'num':
      return formatNumber(n.value);
    case 'var':
      return n.name;
    case 'neg':
      return `-${text(n.arg, 3)}`;
    case 'call':
      return `${n.fn}(${text(n.arg)})`;
    case 'bin': {
      const p = PRECEDENCE[n.op];
      const s = n.op === '^' ? `${text(n.left, 4)}^${text(n.right, 4)}` : `${text(n.left, p)}${n.op === '*' || n.op === '/' ? n.op : ` ${n.op} `}${text(n.right, p + 1)}`;
      return p < parent ? `(${s})` : s;
    }
  }
}

function evalConst(n: Node): number {
  return compile(n, new Map())([]);
}

function compile(n: Node, index: Map<string, number>): (v: ArrayLike<number>) => number {
  switch (n.kind) {
    case 'num': {
      const value = n.value;
      return () => value;
    }
    case 'var': {
      const i = index.get(n.name);
      if (i === undefined) throw new Error(`variable ${n.name} has no index`);
      return (v) => v[i];
    }
    case 'neg': {
      const a = compile(n.arg, index);
      return (v) => -a(v);
    }
    case 'call': {
      const f = FUNCTIONS.get(n.fn)!;
      const a = compile(n.arg, index);
      return (v) => f(a(v));
    }
    case 'bin': {
      const l = compile(n.left, index);
      const r = compile(n.right, index);
      switch (n.op) {
        case '+':
          return (v) => l(v) + r(v);
        case '-':
          return (v) => l(v) - r(v);
        case '*':
          return (v) => l(v) * r(v);
        case '/':
          return (v) => l(v) / r(v);
        case '^':
          // Small integer powers are the common case: multiply instead of Math.pow.
          if (n.right.kind === 'num' && n.right.value === 2) return (v) => { const x = l(v); return x * x; };
          return (v) => Math.pow(l(v), r(v));
      }
    }
  }
}

class Parser {
  private pos = 0;
  private depth = 0;
  readonly variables: string[] = [];
  usesPositiveOnly = false;

  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.pos];
  }

  next(): Token {
    return this.tokens[this.pos++];
  }

  isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }

  expectOp(text: string, context: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.text !== text) fail(`unexpected ${describe(t)} at column ${t.column}, expected '${text}' ${context}`);
  }

  enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) fail(`nesting too deep at column ${t.column} (at most ${MAX_DEPTH} levels)`);
  }

  // expr := unary (('+'|'-') mul)*
  expr(): Node {
    let node = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().text as '+' | '-';
      node = { kind: 'bin', op, left: node, right: this.mul() };
    }
    return node;
  }

  // mul := unary (('*'|'/') unary)*
  mul(): Node {
    let node = this.unary();
    while (this.isOp('*') || this.isOp('/')) {
      const op = this.next().text as '*' | '/';
      node = { kind: 'bin', op, left: node, right: this.unary() };
    }
    return node;
  }

  // unary := ('-'|'+') unary | pow      (so -x^2 is -(x^2))
  unary(): Node {
    if (this.isOp('-') || this.isOp('+')) {
      const sign = this.next();
      this.enter(sign);
      const arg = this.unary();
      this.depth--;
      return sign.text === '-' ? { kind: 'neg', arg } : arg;
    }
    return this.pow();
  }

  // pow := primary ('^' ['-'] primary)?   (right-assoc chains are rejected: write parentheses)
  pow(): Node {
    const base = this.primary();
    if (!this.isOp('^')) return base;
    this.next();
    let exponent: Node;
    if (this.isOp('-')) {
      this.next();
      exponent = { kind: 'neg', arg: this.primary() };
    } else exponent = this.primary();
    if (this.isOp('^')) fail(`unexpected '^' at column ${this.peek().column}, expected parentheses around a power of a power`);
    return { kind: 'bin', op: '^', left: base, right: exponent };
  }

  primary(): Node {
    const t = this.next();
    if (t.kind === 'num') {
      if (!Number.isFinite(t.value)) fail(`number '${t.text}' at column ${t.column} is too large`);
      return { kind: 'num', value: t.value };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.enter(t);
      const inner = this.expr();
      this.expectOp(')', `to close the '(' at column ${t.column}`);
      this.depth--;
      return inner;
    }
    if (t.kind === 'ident') {
      if (this.isOp('(')) {
        if (!FUNCTIONS.has(t.text)) fail(`unknown function '${t.text}' at column ${t.column}, expected one of ${FUNCTION_NAMES.join(', ')}`);
        const open = this.next();
        this.enter(open);
        const arg = this.expr();
        this.expectOp(')', `to close ${t.text}( at column ${open.column}`);
        this.depth--;
        if (t.text === 'log' || t.text === 'sqrt') this.usesPositiveOnly = true;
        return { kind: 'call', fn: t.text, arg };
      }
      if (FUNCTIONS.has(t.text)) fail(`unexpected ${describe(this.peek())} at column ${this.peek().column}, expected '(' after ${t.text}`);
      if (RESERVED_NAMES.has(t.text)) fail(`'${t.text}' at column ${t.column} is a reserved name, not a variable`);
      if (!this.variables.includes(t.text)) {
        if (this.variables.length >= MAX_VARIABLES) fail(`too many variables (at most ${MAX_VARIABLES})`);
        this.variables.push(t.text);
      }
      return { kind: 'var', name: t.text };
    }
    fail(`unexpected ${describe(t)} at column ${t.column}, expected a number, a variable or '('`);
  }
}

/** Splits a product into its constant factor and the remaining (variable) factors. */
function splitTerm(n: Node): { coef: number; factors: Node[] } {
  if (n.kind === 'bin' && n.op === '*') {
    const l = splitTerm(n.left);
    const r = splitTerm(n.right);
    return { coef: l.coef * r.coef, factors: [...l.factors, ...r.factors] };
  }
  if (n.kind === 'bin' && n.op === '/' && isConst(n.right)) {
    const l = splitTerm(n.left);
    return { coef: l.coef / evalConst(n.right), factors: l.factors };
  }
  if (n.kind === 'neg') {
    const a = splitTerm(n.arg);
    return { coef: -a.coef, factors: a.factors };
  }
  if (isConst(n)) return { coef: evalConst(n), factors: [] };
  return { coef: 1, factors: [n] };
}

/** The top-level sum's terms with their signs. */
function terms(n: Node, sign: number, out: { sign: number; node: Node }[]): void {
  if (n.kind === 'bin' && (n.op === '+' || n.op === '-')) {
    terms(n.left, sign, out);
    terms(n.right, n.op === '-' ? -sign : sign, out);
  } else out.push({ sign, node: n });
}

export function parseFormula(src: string): ParsedFormula {
  if (typeof src !== 'string') fail('expected a string like "y = 3*x1 - 2*x2 + 1"');
  if (src.length > MAX_FORMULA_LENGTH) fail(`too long: ${src.length} characters (at most ${MAX_FORMULA_LENGTH})`);
  if (src.trim() === '') fail('empty, expected a formula like "y = 3*x1 - 2*x2 + 1"');
  const parser = new Parser(tokenize(src));
  const first = parser.next();
  if (first.kind !== 'ident') fail(`unexpected ${describe(first)} at column ${first.column}, expected the target name (like 'y')`);
  if (FUNCTIONS.has(first.text) || RESERVED_NAMES.has(first.text)) fail(`'${first.text}' at column ${first.column} cannot be the target name`);
  parser.expectOp('=', `after the target name '${first.text}'`);
  const rhs = parser.expr();
  const rest = parser.peek();
  if (rest.kind !== 'end') fail(`unexpected ${describe(rest)} at column ${rest.column}, expected an operator or the end of the formula`);
  if (parser.variables.includes(first.text)) fail(`the target '${first.text}' also appears on the right-hand side`);

  const parts: { sign: number; node: Node }[] = [];
  terms(rhs, 1, parts);
  let intercept = 0;
  const byName = new Map<string, { node: Node; coef: number }>();
  for (const { sign, node } of parts) {
    const { coef, factors } = splitTerm(node);
    if (factors.length === 0) {
      intercept += sign * coef;
      continue;
    }
    const featureNode = factors.reduce((a, b) => ({ kind: 'bin', op: '*', left: a, right: b }) as Node);
    const name = featureNode.kind === 'bin' && (featureNode.op === '+' || featureNode.op === '-') ? `(${text(featureNode)})` : text(featureNode);
    const seen = byName.get(name);
    if (seen) seen.coef += sign * coef;
    else byName.set(name, { node: featureNode, coef: sign * coef });
  }
  if (byName.size === 0) fail('no feature terms: the right-hand side needs at least one variable (like 3*x1)');
  if (byName.size > MAX_FEATURES) fail(`too many feature terms: ${byName.size} (at most ${MAX_FEATURES})`);
  if (!Number.isFinite(intercept)) fail('the intercept is not a finite number');

  const index = new Map(parser.variables.map((v, i) => [v, i]));
  const features: Feature[] = [];
  const coefficients: number[] = [];
  for (const [name, { node, coef }] of byName) {
    if (!Number.isFinite(coef)) fail(`the coefficient of ${name} is not a finite number`);
    features.push({ name, evaluate: compile(node, index) });
    coefficients.push(coef);
  }
  return {
    source: src.trim(),
    target: first.text,
    features,
    coefficients,
    intercept,
    variables: [...parser.variables],
    needsPositiveInputs: parser.usesPositiveOnly,
  };
}

/** Feature values of `rows` raw input rows (row-major n×variables) into an n×features array. */
export function featurize(formula: ParsedFormula, inputs: ArrayLike<number>, rows: number, out?: Float32Array): Float32Array {
  const v = formula.variables.length;
  const k = formula.features.length;
  const X = out ?? new Float32Array(rows * k);
  const row = new Float64Array(v);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < v; j++) row[j] = inputs[r * v + j];
    for (let f = 0; f < k; f++) X[r * k + f] = formula.features[f].evaluate(row);
  }
  return X;
}
