// End to end through the embedded gateway: POST /async-function/{name} → 202 + X-Call-Id →
// the function runs in an instance → the callback arrives → GET /system/async/{id} says succeeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startPlatform } from '../src/platform/index.js';
import { startReceiver, tempStateDir, waitFor } from './platform-async-helpers.js';

const echoHandler = fileURLToPath(new URL('./fixtures/functions/echo', import.meta.url));

test('async call through the gateway: 202, callback, status; a resent X-Call-Id runs once', async () => {
  const state = tempStateDir();
  const receiver = await startReceiver();
  const platform = await startPlatform({
    port: 0,
    stateDir: state.dir,
    startMode: 'cold',
    functions: [{ name: 'echo', handler: echoHandler }],
  });
  try {
    const res = await fetch(`${platform.url}/async-function/echo/sub?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-callback-url': receiver.url },
      body: JSON.stringify({ hello: 'async' }),
    });
    assert.equal(res.status, 202);
    const callId = res.headers.get('x-call-id');
    assert.ok(callId, 'X-Call-Id is made when absent');

    await waitFor('callback', () => receiver.received.length === 1, 30_000);
    const cb = receiver.received[0];
    assert.equal(cb.headers['x-call-id'], callId);
    assert.equal(cb.headers['x-function-status'], '200');
    assert.equal(cb.headers['x-function-name'], 'echo');
    assert.ok(Number(cb.headers['x-duration-seconds']) > 0);
    const echoed = JSON.parse(cb.body.toString());
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.path, '/sub');
    assert.deepEqual(echoed.query, { x: '1' });
    assert.deepEqual(echoed.body, { hello: 'async' });

    // The callback's answer is recorded just after it arrives: poll the status route for it.
    let status: Record<string, unknown> = {};
    const deadline = Date.now() + 10_000;
    while (status.callbackStatus !== 200 && Date.now() < deadline) {
      const statusRes: Response = await fetch(`${platform.url}/system/async/${callId}`);
      assert.equal(statusRes.status, 200);
      status = (await statusRes.json()) as Record<string, unknown>;
      if (status.callbackStatus !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status.callbackStatus, 200);
    assert.equal(status.callId, callId);
    assert.equal(status.status, 'succeeded');
    assert.equal(status.statusCode, 200);
    assert.deepEqual((status.result as { body: unknown }).body, { hello: 'async' });

    // A client retrying with its own X-Call-Id gets 202 each time; the function runs once.
    for (let i = 0; i < 2; i++) {
      const again = await fetch(`${platform.url}/async-function/echo`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-call-id': 'client-chosen-1', 'x-callback-url': receiver.url },
        body: 'once',
      });
      assert.equal(again.status, 202);
      assert.equal(again.headers.get('x-call-id'), 'client-chosen-1');
    }
    await waitFor('second callback', () => receiver.received.length >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(receiver.received.filter((r) => r.headers['x-call-id'] === 'client-chosen-1').length, 1);

    const missing = await fetch(`${platform.url}/system/async/no-such-call`);
    assert.equal(missing.status, 404);
  } finally {
    await platform.stop();
    await receiver.close();
    state.remove();
  }
});
