import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ValidationError, NotFoundError } from '../src/errors.ts';
import { functionUrl, loadTargets, parseTargets } from '../src/targets/targets-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'faasml-targets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('targets file', () => {
  it('loads the example with its environment variables expanded', () => {
    const targets = loadTargets(join(process.cwd(), 'functions', 'targets.example.yml'), {
      AZURE_FUNCTION_KEY: 'key-1',
      OPENFAAS_BASIC_AUTH: 'YWRtaW46cGFzcw==',
    });
    assert.deepEqual(
      targets.map((t) => t.platform),
      ['faasml', 'openfaas', 'azure'],
    );
    const azure = targets[2];
    assert.equal(azure.headers['x-functions-key'], 'key-1');
    assert.equal(functionUrl(azure, 'lr-infer'), 'https://faasml-demo.azurewebsites.net/api/lr-infer');
    assert.equal(functionUrl(targets[0], 'resnet-infer'), 'http://127.0.0.1:8080/function/resnet-infer');
    assert.throws(() => functionUrl(targets[0], 'lr-train'), NotFoundError);
  });

  it('accepts a bare list, trims a trailing slash and adds a leading one to paths', () => {
    const [t] = parseTargets('- label: a\n  platform: openfaas\n  url: http://127.0.0.1:8080/\n  functions:\n    lr-infer: function/lr-infer\n', 'x.yml');
    assert.equal(t.url, 'http://127.0.0.1:8080');
    assert.equal(functionUrl(t, 'lr-infer'), 'http://127.0.0.1:8080/function/lr-infer');
    assert.deepEqual(t.headers, {});
  });

  const bad: [string, string, RegExp][] = [
    ['unknown platform', 'targets:\n  - {label: a, platform: gcp, url: "http://h", functions: {lr-infer: /x}}', /bad\.yml: targets\[0\]\.platform: must be one of azure, openfaas, faasml/],
    ['bad url', 'targets:\n  - {label: a, platform: azure, url: "not a url", functions: {lr-infer: /x}}', /targets\[0\]\.url: 'not a url' is not a URL/],
    ['ftp url', '- {label: a, platform: azure, url: "ftp://h", functions: {lr-infer: /x}}', /\[0\]\.url: must use http or https/],
    ['no functions', '- {label: a, platform: azure, url: "http://h"}', /\[0\]\.functions: must map at least one/],
    ['unknown function', '- {label: a, platform: azure, url: "http://h", functions: {cat-infer: /x}}', /\[0\]\.functions\.cat-infer: unknown function/],
    ['unknown key', '- {label: a, platform: azure, url: "http://h", urls: 1, functions: {lr-infer: /x}}', /\[0\]\.urls: unknown key/],
    ['missing env', '- {label: a, platform: azure, url: "http://h", headers: {x-functions-key: "${NOPE_NOT_SET}"}, functions: {lr-infer: /x}}', /\[0\]\.headers\.x-functions-key: environment variable NOPE_NOT_SET is not set/],
    ['duplicate label', '- {label: a, platform: azure, url: "http://h", functions: {lr-infer: /x}}\n- {label: a, platform: faasml, url: "http://h", functions: {lr-infer: /x}}', /\[1\]\.label: 'a' is used twice/],
    ['not a list', 'targets: 3', /bad\.yml: targets: must be a list/],
    ['empty list', '[]', /lists no targets/],
    ['bad yaml', 'targets: [1, 2', /bad\.yml: not valid YAML/],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects ${name} naming the file and key`, () => {
      assert.throws(() => parseTargets(text, 'bad.yml', {}), (err: unknown) => {
        assert.ok(err instanceof ValidationError, String(err));
        assert.match((err as Error).message, message);
        return true;
      });
    });
  }

  it('a missing file is a NotFoundError', () => {
    assert.throws(() => loadTargets(join(dir, 'nope.yml')), NotFoundError);
  });

  it('reads a file from disk', () => {
    const file = join(dir, 'targets.yml');
    writeFileSync(file, '- {label: local, platform: faasml, url: "http://127.0.0.1:9", functions: {lr-infer: /function/lr-infer}}\n');
    assert.equal(loadTargets(file)[0].label, 'local');
  });
});
