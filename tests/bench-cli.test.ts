import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { startDelayServer } from '../benchmarks/servers/delay-server.ts';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'faasml.js');

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], onStderr?: (text: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<Done> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, (sig) => child.kill(sig));
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      res({ code, stdout, stderr });
    });
  });
}

test('bench and compare: a run directory, a table, --json, and ratios', async () => {
  const server = await startDelayServer({ delayMs: 1 });
  const dir = await mkdtemp(join(tmpdir(), 'faasml-cli-'));
  try {
    const a = await cli(['bench', '--url', `${server.url}/api/echo`, '--threads', '1,2', '--iterations', '10', '--out', join(dir, 'a')]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /level\s+requests\s+req\/s/);
    assert.match(a.stdout, /results: .*a/);
    for (const f of ['run.json', 'levels.json', 'requests.jtl.csv', 'requests.jsonl', 'samples.jsonl', 'summary.md']) assert.ok(existsSync(join(dir, 'a', f)), f);
    const b = await cli(['bench', '--url', `${server.url}/api/echo`, '--threads', '1', '--iterations', '10', '--label', 'other', '--out', join(dir, 'b'), '--json']);
    assert.equal(b.code, 0, b.stderr);
    const summary = JSON.parse(b.stdout) as { settings: { label: string }; levels: { requests: number }[]; dir: string };
    assert.equal(summary.settings.label, 'other');
    assert.equal(summary.levels[0].requests, 10);
    const c = await cli(['compare', join(dir, 'a'), join(dir, 'b'), '--json']);
    assert.equal(c.code, 0, c.stderr);
    const cmp = JSON.parse(c.stdout) as { runs: { label: string }[]; rows: { level: number; cells: ({ throughputRatio: number | null } | null)[] }[] };
    assert.deepEqual(cmp.runs.map((r) => r.label), ['echo', 'other']);
    assert.equal(cmp.rows.length, 2);
    assert.equal(cmp.rows[0].cells[0]!.throughputRatio, 1);
    assert.equal(cmp.rows[1].cells[1], null);
    const text = await cli(['compare', join(dir, 'a'), join(dir, 'b')]);
    assert.match(text.stdout, /other x req\/s/);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad inputs are one clear line, exit 1', async () => {
  const cases: [string[], RegExp][] = [
    [['bench', '--url', 'http://127.0.0.1:9/', '--duration', 'abc'], /^faasml: duration "abc" does not parse/],
    [['bench', '--url', 'http://127.0.0.1:9/', '--threads', ''], /^faasml: the thread list is empty/],
    [['bench', '--url', 'http://127.0.0.1:9/', '--body', '@/no/such.json'], /^faasml: body file "\/no\/such.json" does not exist/],
    [['bench', '--url', 'http://127.0.0.1:9/', '--iterations', '1'], /^faasml: cannot reach http:\/\/127.0.0.1:9\/: connection refused/],
    [['compare', '/no/such/run'], /^faasml: "\/no\/such\/run" is not a run directory/],
  ];
  for (const [args, want] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.stderr, want);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('Ctrl-C stops the load and still writes what was measured', async () => {
  const server = await startDelayServer({ delayMs: 2 });
  const dir = await mkdtemp(join(tmpdir(), 'faasml-sigint-'));
  try {
    let sent = false;
    const r = await cli(['bench', '--url', server.url, '--threads', '2,4', '--duration', '30s', '--out', join(dir, 'run')], (text, kill) => {
      if (!sent && text.includes('threads 2')) {
        sent = true;
        setTimeout(() => kill('SIGINT'), 700);
      }
    });
    assert.ok(sent);
    assert.equal(r.code, 130, r.stderr);
    const meta = JSON.parse(await readFile(join(dir, 'run', 'run.json'), 'utf8')) as { interrupted: boolean };
    assert.equal(meta.interrupted, true);
    const levels = JSON.parse(await readFile(join(dir, 'run', 'levels.json'), 'utf8')) as { level: number; requests: number; errors: number }[];
    assert.equal(levels.length, 1);
    assert.ok(levels[0].requests > 0);
    assert.equal(levels[0].errors, 0, 'requests cut by Ctrl-C are not errors');
    const lines = (await readFile(join(dir, 'run', 'requests.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, levels[0].requests);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
