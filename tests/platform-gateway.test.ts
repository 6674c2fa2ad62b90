// Gateway routes: function calls with sub-paths and headers, the /system API, health, metrics,
// auth (basic auth on /system, function keys on /function), 404/405/413, and async calls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, fixture, postJson, start, waitFor } from './platform-helpers.js';

describe('gateway routes', () => {
  let p: Awaited<ReturnType<typeof start>>;
  before(async () => {
    p = await start([
      fixture('echo', { environment: { ECHO_ENV: 'from-stack' } }),
      fixture('sleep', { labels: { 'com.openfaas.scale.min': '0' } }),
      { ...fixture('echo'), name: 'post-only', labels: { 'com.faasml.methods': 'POST' } },
    ]);
  });
  after(() => p.cleanup());

  it('passes sub-path, query, method and JSON body to the function', async () => {
    const r = await postJson(`${p.url}/function/echo/a/b?x=1&y=two`, { n: 1 });
    assert.equal(r.status, 200);
    const body = r.json();
    assert.deepEqual([body.method, body.path, body.query, body.body, body.env], ['POST', '/a/b', { x: '1', y: 'two' }, { n: 1 }, 'from-stack']);
    assert.equal(body.inits, 1);
    assert.match(r.headers.get('x-call-id')!, /^[0-9a-f-]{36}$/);
    assert.ok(Number(r.headers.get('x-duration-seconds')) >= 0);
    assert.ok(r.headers.get('x-start-time'));
    assert.equal(r.headers.get('x-faasml-cold-start'), 'false');
    assert.equal(r.headers.get('x-faasml-instance'), body.instance);
    const g = await call(`${p.url}/function/echo`, { headers: { 'x-call-id': 'my-call' } });
    assert.equal(g.status, 200);
    assert.equal(g.headers.get('x-call-id'), 'my-call');
    assert.equal(g.json().path, '/');
  });

  it('maps handler errors and gateway errors to JSON', async () => {
    const bad = await call(`${p.url}/function/echo`, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error, 'malformed JSON body');
    const missing = await call(`${p.url}/function/nothing-here`);
    assert.equal(missing.status, 404);
    assert.match(missing.json().error, /nothing-here/);
    const wrongMethod = await call(`${p.url}/function/post-only`);
    assert.equal(wrongMethod.status, 405);
    assert.match(wrongMethod.json().error, /GET/);
    assert.equal((await postJson(`${p.url}/function/post-only`, {})).status, 200);
    const big = await call(`${p.url}/function/echo`, { method: 'POST', body: Buffer.alloc(9 * 1024 * 1024, 32) });
    assert.equal(big.status, 413);
    assert.match(big.json().error, /over the limit/);
    assert.equal((await call(`${p.url}/nowhere`)).status, 404);
  });

  it('refuses a streamed body over the limit while it arrives', async () => {
    let sent = 0;
    const stream = new ReadableStream({
      pull(controller) {
        if (sent >= 12 * 1024 * 1024) return controller.close();
        sent += 1024 * 1024;
        controller.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const r = await call(`${p.url}/function/echo`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(r.status, 413);
  });

  it('lists, shows, deploys, scales and deletes functions', async () => {
    const list = (await call(`${p.url}/system/functions`)).json();
    assert.deepEqual(list.map((f: { name: string }) => f.name).sort(), ['echo', 'post-only', 'sleep']);
    const echo = (await call(`${p.url}/system/function/echo`)).json();
    assert.equal(echo.replicas, 1);
    assert.equal(echo.availableReplicas, 1);
    assert.ok(echo.invocationCount >= 2);
    for (const k of ['ready', 'starting', 'inFlight', 'queued', 'coldStarts']) assert.ok(k in echo, k);
    assert.equal((await call(`${p.url}/system/function/nope`)).status, 404);

    const bad = await postJson(`${p.url}/system/functions`, { service: 'x', handler: fixture('echo').handler, limits: { memory: 'lots' } });
    assert.equal(bad.status, 400);
    assert.match(bad.json().error, /limits\.memory/);
    const noHandler = await postJson(`${p.url}/system/functions`, { service: 'x' });
    assert.equal(noHandler.status, 400);
    assert.match(noHandler.json().error, /'handler'/);
    const notJson = await call(`${p.url}/system/functions`, { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);

    const dep = await postJson(`${p.url}/system/functions`, { service: 'echo2', handler: fixture('echo').handler, labels: { 'com.openfaas.scale.min': '1' } });
    assert.equal(dep.status, 202);
    assert.equal((await postJson(`${p.url}/function/echo2`, { a: 1 })).json().body.a, 1);

    const sc = await postJson(`${p.url}/system/scale-function/echo2`, { replicas: 2 });
    assert.equal(sc.status, 202);
    await waitFor(async () => (await call(`${p.url}/system/function/echo2`)).json().availableReplicas === 2);
    assert.equal((await postJson(`${p.url}/system/scale-function/echo2`, { replicas: -1 })).status, 400);

    const del = await call(`${p.url}/system/functions`, { method: 'DELETE', body: JSON.stringify({ functionName: 'echo2' }) });
    assert.equal(del.status, 202);
    assert.equal((await call(`${p.url}/function/echo2`)).status, 404);
  });

  it('serves info, health and metrics', async () => {
    const info = (await call(`${p.url}/system/info`)).json();
    assert.equal(info.provider.provider, 'faasml');
    assert.equal(info.startMode, p.startMode);
    // The warm pool's state is there for callers that time cold starts (null in cold mode).
    if (p.startMode === 'warm-pool') assert.equal(typeof info.warmPool.settled, 'boolean');
    else assert.equal(info.warmPool, null);
    assert.equal((await call(`${p.url}/healthz`)).status, 200);
    const m = (await call(`${p.url}/metrics`)).text;
    for (const name of ['gateway_function_invocation_total', 'gateway_functions_seconds', 'gateway_function_invocation_started', 'gateway_service_count', 'faasml_instances', 'faasml_queue_depth', 'faasml_instance_cpu_seconds_total', 'faasml_instance_rss_bytes']) {
      assert.ok(m.includes(name), name);
    }
    assert.match(m, /gateway_service_count\{function_name="echo"\} 1/);
  });

  it('accepts async calls, runs them and reports their status', async () => {
    assert.equal((await call(`${p.url}/async-function/nope`, { method: 'POST' })).status, 404);
    const big = await call(`${p.url}/async-function/echo`, { method: 'POST', body: Buffer.alloc(9 * 1024 * 1024) });
    assert.equal(big.status, 413);
    const r = await postJson(`${p.url}/async-function/echo/sub?q=1`, { job: 7 }, { 'x-call-id': 'async-1' });
    assert.equal(r.status, 202);
    assert.equal(r.headers.get('x-call-id'), 'async-1');
    assert.equal(r.text, '');
    await waitFor(async () => (await call(`${p.url}/system/async/async-1`)).json().status === 'succeeded');
    const s = (await call(`${p.url}/system/async/async-1`)).json();
    assert.equal(s.statusCode, 200);
    assert.equal(s.result.body.job, 7);
    assert.equal(s.result.path, '/sub');
    assert.equal((await call(`${p.url}/system/async/unknown`)).status, 404);
  });

  it('posts an async result to the X-Callback-Url', async () => {
    const { createServer } = await import('node:http');
    const got: { headers: Record<string, unknown>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (receiver.address() as { port: number }).port;
      const r = await postJson(`${p.url}/async-function/echo`, { cb: true }, { 'x-callback-url': `http://127.0.0.1:${port}/done` });
      assert.equal(r.status, 202);
      await waitFor(() => got.length === 1);
      assert.equal(got[0].headers['x-call-id'], r.headers.get('x-call-id'));
      assert.equal(got[0].headers['x-function-status'], '200');
      assert.equal(JSON.parse(got[0].body).body.cb, true);
    } finally {
      receiver.close();
    }
  });
});

describe('gateway auth', () => {
  let p: Awaited<ReturnType<typeof start>>;
  before(async () => {
    p = await start([fixture('echo')], { basicAuth: { user: 'admin', password: 's3cret' }, functionKeys: true });
  });
  after(() => p.cleanup());

  it('needs basic auth on /system/*', async () => {
    const r = await call(`${p.url}/system/functions`);
    assert.equal(r.status, 401);
    assert.ok(r.headers.get('www-authenticate'));
    const wrong = await call(`${p.url}/system/functions`, { headers: { authorization: `Basic ${Buffer.from('admin:no').toString('base64')}` } });
    assert.equal(wrong.status, 401);
    const ok = await call(`${p.url}/system/functions`, { headers: { authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}` } });
    assert.equal(ok.status, 200);
    assert.equal((await call(`${p.url}/healthz`)).status, 200);
  });

  it('needs a function key on /function/*', async () => {
    assert.equal((await call(`${p.url}/function/echo`)).status, 401);
    assert.equal((await call(`${p.url}/function/echo`, { headers: { 'x-functions-key': 'wrong' } })).status, 401);
    const key = p.keys!.functions.echo;
    assert.equal((await call(`${p.url}/function/echo`, { headers: { 'x-functions-key': key } })).status, 200);
    assert.equal((await call(`${p.url}/function/echo?code=${encodeURIComponent(key)}`)).status, 200);
    assert.equal((await call(`${p.url}/function/echo?code=${encodeURIComponent(p.keys!.hostKey)}`)).status, 200);
  });
});
