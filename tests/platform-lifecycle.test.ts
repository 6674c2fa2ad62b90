// Starting and stopping: a port in use and a state directory in use give clear errors, a
// stale lock is taken over, stop() ends every instance, and instances exit on their own when
// the gateway process dies (no orphans).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startPlatform } from '../src/platform/index.js';
import { isAlive, lockPath } from '../src/platform/state-lock.js';
import { fixture, start, tempDir, waitFor } from './platform-helpers.js';

describe('platform lifecycle', () => {
  it('refuses a port in use with a clear message', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const dir = tempDir();
    await assert.rejects(startPlatform({ port, stateDir: dir, startMode: 'cold', functions: [fixture('echo')] }), new RegExp(`port ${port} .* already in use`));
    blocker.close();
    // The failed start left no lock behind: the same state dir starts now.
    const p = await startPlatform({ port: 0, stateDir: dir, startMode: 'cold', functions: [fixture('echo', { labels: { 'com.openfaas.scale.min': '0' } })] });
    await p.stop();
  });

  it('refuses a second platform on the same state directory and takes over a stale lock', async () => {
    const p = await start([fixture('echo', { labels: { 'com.openfaas.scale.min': '0' } })]);
    try {
      await assert.rejects(startPlatform({ port: 0, stateDir: p.stateDir, startMode: 'cold', functions: [fixture('echo')] }), /in use by a running faasml gateway \(pid \d+/);
    } finally {
      await p.cleanup();
    }
    const dir = tempDir();
    writeFileSync(lockPath(dir), JSON.stringify({ pid: 999_999_999, startedAt: 'then' }));
    const q = await startPlatform({ port: 0, stateDir: dir, startMode: 'cold', functions: [fixture('echo', { labels: { 'com.openfaas.scale.min': '0' } })] });
    await q.stop();
  });

  it('stop() ends every instance process', async () => {
    const p = await start([fixture('echo', { labels: { 'com.openfaas.scale.min': '2' } })], { startMode: 'warm-pool', warmPoolSize: 1 });
    const pids = (p.functionStatus('echo').instances as { pid: number }[]).map((i) => i.pid);
    assert.equal(pids.length, 2);
    await p.cleanup();
    for (const pid of pids) assert.equal(isAlive(pid), false, `instance ${pid} still running`);
  });

  it('instances exit when the gateway process is killed', async () => {
    const dir = tempDir();
    const script = join(dir, 'run.mts');
    writeFileSync(
      script,
      `import { startPlatform } from ${JSON.stringify(join(process.cwd(), 'src/platform/index.ts'))};\n` +
        `const p = await startPlatform({ port: 0, stateDir: ${JSON.stringify(dir)}, startMode: 'cold', functions: [{ name: 'echo', handler: ${JSON.stringify(fixture('echo').handler)} }] });\n` +
        `console.log(JSON.stringify(p.status()[0].instances.map((i) => i.pid)));\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    await waitFor(() => out.includes(']'), 30_000);
    const pids = JSON.parse(out) as number[];
    assert.equal(pids.length, 1);
    child.kill('SIGKILL');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 10_000);
  });
});
