import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../src/errors.ts';
import { parseDuration, parseHeaders, parseLevels } from '../src/bench/parse.ts';
import { defaultBody, resolveTarget } from '../src/bench/target.ts';
import { sweepSettings } from '../src/bench/sweep.ts';

test('durations parse with units, and a bare number is seconds', () => {
  assert.equal(parseDuration('20s'), 20_000);
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration('1h'), 3_600_000);
});

test('a duration that does not parse is a clear ValidationError', () => {
  for (const bad of ['abc', '', '10x', 's', '5 s', '-1s']) {
    assert.throws(() => parseDuration(bad), (err: unknown) => err instanceof ValidationError && /does not parse/.test(err.message), bad);
  }
});

test('level lists: numbers in order; empty or bad entries are errors', () => {
  assert.deepEqual(parseLevels('1,2,4,8', 'threads', true), [1, 2, 4, 8]);
  assert.deepEqual(parseLevels('2.5, 10', 'rates', false), [2.5, 10]);
  assert.throws(() => parseLevels('', 'the thread list', true), /the thread list is empty/);
  assert.throws(() => parseLevels(' , ', 'the thread list', true), ValidationError);
  assert.throws(() => parseLevels('1,0', 'threads', true), /positive whole number/);
  assert.throws(() => parseLevels('1.5', 'threads', true), /positive whole number/);
  assert.throws(() => sweepSettings({ url: 'http://127.0.0.1:1/', threads: '' }), /the thread list is empty/);
  assert.throws(() => sweepSettings({ url: 'http://127.0.0.1:1/', threads: '1', rates: '5' }), /not both/);
  assert.throws(() => sweepSettings({ url: 'http://127.0.0.1:1/', duration: 'abc' }), /duration "abc" does not parse/);
});

test('headers parse as "Name: value"', () => {
  assert.deepEqual(parseHeaders(['x-functions-key: abc:def', 'Accept:  text/plain']), { 'x-functions-key': 'abc:def', accept: 'text/plain' });
  assert.throws(() => parseHeaders(['no colon']), /does not parse/);
});

test('targets: function on the gateway, URL with basic auth, body files and templates', () => {
  const t = resolveTarget({ functionName: 'lr-infer', gateway: 'http://127.0.0.1:9999/' });
  assert.equal(t.url.toString(), 'http://127.0.0.1:9999/function/lr-infer');
  assert.equal(t.method, 'POST');
  assert.equal(t.info.bodyKind, 'default');
  assert.equal((JSON.parse(t.bodyFor(1)!.toString()) as { x: number[][] }).x.length, 10);
  const img = JSON.parse(defaultBody('resnet-infer')!) as { x: number[][][][] };
  assert.deepEqual([img.x.length, img.x[0].length, img.x[0][0].length, img.x[0][0][0].length], [1, 32, 32, 3]);

  const u = resolveTarget({ url: 'http://user:pa%20ss@127.0.0.1:1/api?q=1' });
  assert.equal(u.headers.authorization, `Basic ${Buffer.from('user:pa ss').toString('base64')}`);
  assert.equal(u.path, '/api?q=1');
  assert.equal(u.method, 'GET');
  assert.ok(!u.info.url.includes('user'));

  const tpl = resolveTarget({ url: 'http://127.0.0.1:1/', body: '{"i": {{i}}, "r": {{random}}}' });
  assert.equal(tpl.info.bodyKind, 'template');
  const b = JSON.parse(tpl.bodyFor(7)!.toString()) as { i: number; r: number };
  assert.equal(b.i, 7);
  assert.ok(b.r >= 0 && b.r < 1);
  assert.equal(tpl.headers['content-type'], 'application/json');

  assert.throws(() => resolveTarget({ url: 'http://127.0.0.1:1/', body: '@/no/such/file.json' }), /body file "\/no\/such\/file.json" does not exist/);
  assert.throws(() => resolveTarget({ url: 'not a url' }), /is not a URL/);
  assert.throws(() => resolveTarget({ url: 'ftp://x/' }), /http/);
  assert.throws(() => resolveTarget({}), /function name/);
  assert.throws(() => resolveTarget({ url: 'http://127.0.0.1:1/', auth: 'nocolon' }), /user:password/);
});
