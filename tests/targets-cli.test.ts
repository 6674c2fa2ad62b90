// The build/deploy/targets commands as a user runs them: JSON output, exit codes, messages.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const root = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'faasml-targets-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function faasml(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'faasml.js'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('faasml build / deploy / targets', () => {
  it('build openfaas --json prints one JSON object and writes the contexts', () => {
    const out = join(work, 'openfaas');
    const r = faasml(['build', 'openfaas', '--out', out, '--functions', 'lr-infer,resnet-infer', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.platform, 'openfaas');
    assert.deepEqual(json.functions, ['lr-infer', 'resnet-infer']);
    assert.ok(existsSync(join(out, 'build', 'resnet-infer', 'function', 'handler.js')));
  });

  it('an unknown platform lists the known ones', () => {
    const r = faasml(['build', 'gcp']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /faasml: unknown platform 'gcp'; known platforms: azure, openfaas/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('an unknown function lists the known ones', () => {
    const r = faasml(['build', 'azure', '--out', join(work, 'az'), '--functions', 'lr-infer,nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown function 'nope'; known functions: lr-train, lr-infer, resnet-train, resnet-infer/);
  });

  it('deploy without the platform tool prints the commands and exits 1', () => {
    const out = join(work, 'openfaas');
    const r = faasml(['deploy', 'openfaas', '--dir', out, '--gateway', 'http://127.0.0.1:8080'], { PATH: '/nonexistent' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /faas-cli is not installed/);
    assert.match(r.stderr, /faas-cli up -f stack\.yml --gateway http:\/\/127\.0\.0\.1:8080/);
  });

  it('deploy azure checks its options and the build folder', () => {
    const missing = faasml(['deploy', 'azure', '--resource-group', 'rg']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--app NAME is required/);
    const noBuild = faasml(['deploy', 'azure', '--app', 'a', '--resource-group', 'rg', '--dir', join(work, 'none')]);
    assert.equal(noBuild.code, 1);
    assert.match(noBuild.stderr, /no Azure build at/);
  });

  it('targets checks a file and lists function URLs', () => {
    const ok = faasml(['targets', 'functions/targets.example.yml', '--json'], { AZURE_FUNCTION_KEY: 'k', OPENFAAS_BASIC_AUTH: 'b' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).targets.length, 3);
    const bad = faasml(['targets', 'functions/targets.example.yml'], { AZURE_FUNCTION_KEY: undefined, OPENFAAS_BASIC_AUTH: undefined });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /targets\.example\.yml: targets\[1\]\.headers\.authorization: environment variable OPENFAAS_BASIC_AUTH is not set/);
  });

  it('serve-function serves one handler until SIGTERM', async () => {
    const child = spawn(process.execPath, [join(root, 'bin', 'faasml.js'), 'serve-function', 'lr-infer', '--port', '0', '--json'], {
      cwd: root,
      env: { ...process.env, FAASML_MODELS: join(work, 'models') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) ok(out);
        });
        child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      const res = await fetch(url, { method: 'POST', body: JSON.stringify({ x: [[1, 2]] }), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 404); // no model trained in this store
      assert.equal(typeof ((await res.json()) as { error: string }).error, 'string');
    } finally {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('help shows an example', () => {
    for (const cmd of ['build', 'deploy', 'targets', 'serve-function']) {
      const r = faasml([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Example:\n  \$ faasml /);
    }
  });
});
