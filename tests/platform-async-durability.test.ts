// Every accepted call runs after the process that accepted it is killed with SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { AsyncQueue } from '../src/platform/async-queue.js';
import { startReceiver, tempStateDir, waitFor } from './platform-async-helpers.js';

const child = fileURLToPath(new URL('./fixtures/platform-async-child.ts', import.meta.url));
const projectDir = fileURLToPath(new URL('..', import.meta.url));

test('calls accepted before a kill -9 all run after a restart on the same state dir', async () => {
  const N = 20;
  const state = tempStateDir();
  const receiver = await startReceiver();
  const proc = spawn(process.execPath, ['--import', 'tsx', child, state.dir, String(N), receiver.url], {
    cwd: projectDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d));
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('enqueued')) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`child exited ${code} before enqueueing: ${err}`)));
    });
    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');

    const runs = new Map<string, number>();
    const queue = new AsyncQueue({
      stateDir: state.dir,
      invoke: async (req) => {
        runs.set(req.callId, (runs.get(req.callId) ?? 0) + 1);
        return {
          statusCode: 200,
          headers: { 'content-type': 'text/plain' },
          body: Buffer.from(`done ${req.body.toString()}`),
          durationSeconds: 0,
        };
      },
    });
    try {
      // What the killed process left: two calls mid-run, the rest queued, nothing lost.
      assert.equal(queue.depth(), N);
      assert.equal(queue.list({ status: 'running' }).length, 2);
      queue.start();
      await waitFor('all calls run', () => queue.depth() === 0);
      for (let i = 0; i < N; i++) {
        const id = `call-${i}`;
        assert.ok((runs.get(id) ?? 0) >= 1, `${id} ran`);
        const s = queue.get(id)!;
        assert.equal(s.status, 'succeeded');
        assert.equal(s.attempts, 1, 'the attempt cut short by the kill is not counted');
        assert.equal(Buffer.from(s.result as string, 'base64').toString(), `done payload ${i}`);
      }
      await waitFor('all callbacks', () => receiver.received.length >= N);
      const ids = new Set(receiver.received.map((r) => r.headers['x-call-id']));
      assert.equal(ids.size, N);
    } finally {
      await queue.stop();
    }
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await receiver.close();
    state.remove();
  }
});
