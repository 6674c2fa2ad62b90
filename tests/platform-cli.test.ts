// The platform commands end to end through bin/faasml.js: up --detach, ps, invoke, logs, a
// refused second up, a refused invalid stack file, and down.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive, readLock } from '../src/platform/state-lock.js';
import { FIXTURES, tempDir } from './platform-helpers.js';

function faasml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/faasml.js', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('platform CLI', () => {
  const dir = tempDir('faasml-cli-');
  const stack = join(dir, 'stack.yml');
  writeFileSync(stack, `version: 1.0\nprovider: {name: faasml}\nfunctions:\n  echo:\n    handler: ${join(FIXTURES, 'echo')}\n    labels: {com.openfaas.scale.min: "1"}\n`);
  const state = join(dir, 'state');
  after(async () => {
    const lock = readLock(state);
    if (lock && isAlive(lock.pid)) process.kill(lock.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects an invalid stack file naming file, key and reason', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, `functions:\n  echo:\n    handler: ${join(FIXTURES, 'echo')}\n    limits: {memory: 12XB}\n`);
    const r = await faasml('up', '-f', bad, '--port', '0', '--state-dir', join(dir, 'bad-state'), '--start-mode', 'cold');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^faasml: .*bad\.yml: functions\.echo\.limits\.memory: '12XB' is not a memory quantity/m);
  });

  it('runs up --detach, ps, invoke, logs, a refused second up, and down', async () => {
    const up = await faasml('up', '-f', stack, '--port', '0', '--state-dir', state, '--start-mode', 'cold', '--detach', '--json');
    assert.equal(up.code, 0, up.stderr);
    const { url, pid } = JSON.parse(up.stdout) as { url: string; pid: number };
    assert.ok(isAlive(pid));

    const ps = await faasml('ps', '--gateway', url, '--json');
    const fns = JSON.parse(ps.stdout).functions as { name: string; ready: number }[];
    assert.deepEqual(fns.map((f) => [f.name, f.ready]), [['echo', 1]]);

    const inv = await faasml('invoke', 'echo', '--gateway', url, '--data', '{"n": 5}', '-H', 'x-call-id: cli-call-1', '--method', 'PUT', '--json');
    assert.equal(inv.code, 0, inv.stderr);
    const res = JSON.parse(inv.stdout);
    assert.equal(res.status, 200);
    assert.equal(res.callId, 'cli-call-1');
    assert.deepEqual([res.body.method, res.body.body], ['PUT', { n: 5 }]);
    const missing = await faasml('invoke', 'nope', '--gateway', url);
    assert.equal(missing.code, 1);

    // The echo fixture logs when asked (?log=): go through the gateway URL directly.
    await fetch(`${url}/function/echo?log=marker`, { headers: { 'x-call-id': 'cli-log-call' } });
    const logs = await faasml('logs', 'echo', '--state-dir', state, '--call-id', 'cli-log-call', '--json');
    const lines = JSON.parse(logs.stdout).lines as string[];
    assert.equal(lines.length, 1);
    assert.match(lines[0], / echo echo-\w+ cli-log-call echo log marker$/);

    const second = await faasml('up', '-f', stack, '--port', '0', '--state-dir', state, '--start-mode', 'cold');
    assert.equal(second.code, 1);
    assert.match(second.stderr, /in use by a running faasml gateway/);

    const down = await faasml('down', '--state-dir', state);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(isAlive(pid), false);
  });
});
