// Through the gateway: async calls accepted (202) by a platform that is then killed with SIGKILL
// all run, and call back, once a new platform starts on the same state dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startPlatform } from '../src/platform/index.js';
import { startReceiver, tempStateDir, waitFor } from './platform-async-helpers.js';

const child = fileURLToPath(new URL('./fixtures/platform-async-gateway-child.ts', import.meta.url));
const sleepHandler = fileURLToPath(new URL('./fixtures/functions/sleep', import.meta.url));
const projectDir = fileURLToPath(new URL('..', import.meta.url));

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('async calls accepted by a gateway killed with SIGKILL run after the next start', async () => {
  const N = 5;
  const state = tempStateDir();
  const receiver = await startReceiver();
  const proc = spawn(process.execPath, ['--import', 'tsx', child, state.dir], {
    cwd: projectDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let instances: number[] = [];
  try {
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d: Buffer) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      proc.on('exit', (code) => reject(new Error(`platform child exited ${code}: ${err}`)));
    });

    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${url}/async-function/sleep?ms=300`, {
        method: 'POST',
        headers: { 'x-callback-url': receiver.url, 'x-call-id': `crash-${i}` },
        body: '',
      });
      assert.equal(res.status, 202);
      ids.push(res.headers.get('x-call-id')!);
    }
    // Kill while the first call is mid-run, so recovery has a 'running' row to redo.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const s = (await (await fetch(`${url}/system/async/crash-0`)).json()) as { status: string };
      if (s.status !== 'queued') break;
      if (Date.now() > deadline) throw new Error('crash-0 never started');
      await new Promise((r) => setTimeout(r, 10));
    }
    instances = childPids(proc.pid!);
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    await exited;

    const platform = await startPlatform({
      port: 0,
      stateDir: state.dir,
      startMode: 'cold',
      functions: [{ name: 'sleep', handler: sleepHandler }],
    });
    try {
      await waitFor(
        'every call called back',
        () => ids.every((id) => receiver.received.some((r) => r.headers['x-call-id'] === id)),
        30_000,
      );
      for (const id of ids) {
        const s = (await (await fetch(`${platform.url}/system/async/${id}`)).json()) as {
          status: string;
          attempts: number;
          result: { slept: number };
        };
        assert.equal(s.status, 'succeeded', id);
        assert.equal(s.attempts, 1, 'the attempt the kill cut short is not counted');
        assert.equal(s.result.slept, 300);
      }
    } finally {
      await platform.stop();
    }
    // The killed gateway's instances leave when their IPC channel closes.
    await waitFor('orphaned instances to exit', () => instances.every((pid) => !alive(pid)), 10_000);
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    for (const pid of instances) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await receiver.close();
    state.remove();
  }
});
