// Instances of one function with limits.cpu are spread over the cores: a second instance never
// shares its sibling's core while another core is free.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { chooseCores } from '../src/platform/runner-process.ts';

const cores = availableParallelism();

test('a second instance of a function gets a core its sibling does not use', { skip: cores < 2 && 'needs 2 cores' }, () => {
  for (let i = 0; i < 4; i++) {
    const first = chooseCores(1, []);
    const second = chooseCores(1, [first]);
    assert.notEqual(second, first);
    assert.match(second, /^\d+$/);
  }
  assert.equal(chooseCores(1, ['1']), '0');
  assert.equal(chooseCores(1, ['0']), '1');
});

test('ceil(cpu) cores, never more than the machine has', () => {
  assert.equal(chooseCores(0.5, []).split(',').length, 1);
  assert.equal(chooseCores(cores + 3, []).split(',').length, cores);
  assert.equal(chooseCores(cores, []), Array.from({ length: cores }, (_, i) => i).join(','));
});
