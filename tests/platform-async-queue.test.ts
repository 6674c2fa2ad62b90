// The durable async queue with an in-process Invoker and a real HTTP callback receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncQueue, type AsyncRequest, type InvokeResult, type Invoker } from '../src/platform/async-queue.js';
import { NotFoundError, ValidationError } from '../src/errors.js';
import { AsyncStore, toStatus } from '../src/platform/async-store.js';
import { jsonResult, startReceiver, tempStateDir, waitFor } from './platform-async-helpers.js';

function request(callId: string, extra: Partial<AsyncRequest> = {}): AsyncRequest {
  return {
    functionName: 'echo',
    method: 'POST',
    path: '/',
    query: {},
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ n: callId })),
    callId,
    ...extra,
  };
}

/** An invoker whose calls wait until released (to look at queued/running states). */
function gatedInvoker(result: (req: AsyncRequest) => InvokeResult) {
  const calls: AsyncRequest[] = [];
  const gates: Array<() => void> = [];
  const invoke: Invoker = (req) => {
    calls.push(req);
    return new Promise((resolve) => gates.push(() => resolve(result(req))));
  };
  return { invoke, calls, releaseAll: () => gates.splice(0).forEach((g) => g()) };
}

test('enqueue runs the call and POSTs the response to the callback with OpenFaaS headers', async () => {
  const state = tempStateDir();
  const receiver = await startReceiver();
  const seen: AsyncRequest[] = [];
  const queue = new AsyncQueue({
    stateDir: state.dir,
    invoke: async (req) => {
      seen.push(req);
      return { ...jsonResult(200, { echoed: JSON.parse(req.body.toString()) }), durationSeconds: 0.25 };
    },
  });
  try {
    queue.start();
    queue.enqueue(request('c1', { path: '/sub', query: { a: '1' }, callbackUrl: receiver.url }));
    await waitFor('callback', () => receiver.received.length === 1);
    const cb = receiver.received[0];
    assert.equal(cb.headers['x-call-id'], 'c1');
    assert.equal(cb.headers['x-function-status'], '200');
    assert.equal(cb.headers['x-function-name'], 'echo');
    assert.equal(Number(cb.headers['x-duration-seconds']), 0.25);
    assert.equal(cb.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(cb.body.toString()), { echoed: { n: 'c1' } });

    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, 'POST');
    assert.equal(seen[0].path, '/sub');
    assert.deepEqual(seen[0].query, { a: '1' });
    assert.equal(seen[0].headers['content-type'], 'application/json');
    assert.equal(seen[0].callbackUrl, receiver.url);

    await waitFor('callback recorded', () => queue.get('c1')?.callbackStatus === 200);
    const s = queue.get('c1')!;
    assert.equal(s.status, 'succeeded');
    assert.equal(s.attempts, 1);
    assert.equal(s.statusCode, 200);
    assert.deepEqual(s.result, { echoed: { n: 'c1' } });
    assert.equal(s.durationSeconds, 0.25);
    assert.ok(s.startedAt && s.finishedAt && Date.parse(s.finishedAt) >= Date.parse(s.createdAt));
    assert.equal(queue.depth(), 0);
  } finally {
    await queue.stop();
    await receiver.close();
    state.remove();
  }
});

test('5xx is retried with exponential backoff, then dead-lettered with a callback', async () => {
  const state = tempStateDir();
  const receiver = await startReceiver();
  const times: number[] = [];
  const base = 40;
  const queue = new AsyncQueue({
    stateDir: state.dir,
    maxRetries: 2,
    baseBackoffMs: base,
    invoke: async () => {
      times.push(performance.now());
      return jsonResult(503, { error: 'busy' });
    },
  });
  try {
    queue.start();
    queue.enqueue(request('d1', { callbackUrl: receiver.url }));
    await waitFor('dead letter', () => queue.get('d1')?.status === 'dead');
    assert.equal(times.length, 3, '1 attempt + 2 retries');
    const gaps = [times[1] - times[0], times[2] - times[1]];
    // Retry n waits base * 2^(n-1) (+ up to 20% jitter); a few ms slack for timer granularity.
    assert.ok(gaps[0] >= base - 3, `first gap ${gaps[0]}`);
    assert.ok(gaps[1] >= 2 * base - 3, `second gap ${gaps[1]}`);
    const s = queue.get('d1')!;
    assert.equal(s.attempts, 3);
    assert.equal(s.statusCode, 503);
    assert.deepEqual(s.result, { error: 'busy' });
    assert.deepEqual(
      queue.deadLetters().map((d) => d.callId),
      ['d1'],
    );
    await waitFor('callback', () => receiver.received.length === 1);
    assert.equal(receiver.received[0].headers['x-function-status'], '503');
  } finally {
    await queue.stop();
    await receiver.close();
    state.remove();
  }
});

test('a call that fails twice and then answers 200 succeeds; an invoke error is retried too', async () => {
  const state = tempStateDir();
  let n = 0;
  const queue = new AsyncQueue({
    stateDir: state.dir,
    baseBackoffMs: 5,
    invoke: async (req) => {
      if (req.callId === 'throws') throw new Error('instance gone');
      n++;
      return n <= 2 ? jsonResult(500, { n }) : jsonResult(200, { n });
    },
  });
  try {
    queue.start();
    queue.enqueue(request('flaky'));
    queue.enqueue(request('throws'));
    await waitFor('both done', () => queue.depth() === 0);
    const flaky = queue.get('flaky')!;
    assert.equal(flaky.status, 'succeeded');
    assert.equal(flaky.attempts, 3);
    assert.deepEqual(flaky.result, { n: 3 });
    const thrown = queue.get('throws')!;
    assert.equal(thrown.status, 'dead');
    assert.equal(thrown.attempts, 4, 'default maxRetries is 3');
    assert.match(thrown.error ?? '', /instance gone/);
    assert.equal(thrown.statusCode, 500);
    assert.deepEqual(thrown.result, { error: 'internal error', detail: 'instance gone' });
  } finally {
    await queue.stop();
    state.remove();
  }
});

test('an invoke that throws a typed 4xx (unknown function) fails at once', async () => {
  const state = tempStateDir();
  let runs = 0;
  const queue = new AsyncQueue({
    stateDir: state.dir,
    invoke: async (req) => {
      runs++;
      throw new NotFoundError(`function ${req.functionName} not found`);
    },
  });
  try {
    queue.start();
    queue.enqueue(request('gone', { functionName: 'missing' }));
    await waitFor('done', () => queue.depth() === 0);
    const s = queue.get('gone')!;
    assert.equal(s.status, 'failed');
    assert.equal(s.statusCode, 404);
    assert.deepEqual(s.result, { error: 'function missing not found' });
    assert.equal(runs, 1);
  } finally {
    await queue.stop();
    state.remove();
  }
});

test('4xx is final without retries; 429 is retried', async () => {
  const state = tempStateDir();
  const count = new Map<string, number>();
  const queue = new AsyncQueue({
    stateDir: state.dir,
    baseBackoffMs: 5,
    maxRetries: 1,
    invoke: async (req) => {
      count.set(req.callId, (count.get(req.callId) ?? 0) + 1);
      return req.callId === 'bad' ? jsonResult(422, { error: 'wrong shape' }) : jsonResult(429, { error: 'limit' });
    },
  });
  try {
    queue.start();
    queue.enqueue(request('bad'));
    queue.enqueue(request('limited'));
    await waitFor('both done', () => queue.depth() === 0);
    assert.equal(queue.get('bad')!.status, 'failed');
    assert.equal(queue.get('bad')!.statusCode, 422);
    assert.equal(count.get('bad'), 1);
    assert.equal(queue.get('limited')!.status, 'dead');
    assert.equal(count.get('limited'), 2);
  } finally {
    await queue.stop();
    state.remove();
  }
});

test('get, list and depth follow queued and running calls; per-function limit leaves room for others', async () => {
  const state = tempStateDir();
  const gate = gatedInvoker((req) => jsonResult(200, { id: req.callId }));
  const queue = new AsyncQueue({ stateDir: state.dir, workers: 2, perFunctionWorkers: 1, invoke: gate.invoke });
  try {
    for (const id of ['a1', 'a2', 'a3']) queue.enqueue(request(id, { functionName: 'a' }));
    queue.enqueue(request('b1', { functionName: 'b' }));
    assert.equal(queue.depth(), 4);
    assert.equal(queue.depth('a'), 3);
    assert.equal(queue.get('a1')!.status, 'queued');
    queue.start();
    // Two workers, one per function: a1 and b1 run, a2 waits although b1 came later.
    await waitFor('two running', () => gate.calls.length === 2);
    assert.deepEqual(gate.calls.map((c) => c.callId).sort(), ['a1', 'b1']);
    assert.deepEqual(
      queue.list({ status: 'running' }).map((s) => s.callId).sort(),
      ['a1', 'b1'],
    );
    assert.equal(queue.list({ status: 'queued' }).length, 2);
    while (queue.depth() > 0) {
      gate.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(gate.calls.map((c) => c.callId), ['a1', 'b1', 'a2', 'a3']);
    assert.deepEqual(
      queue.list({ functionName: 'a' }).map((s) => s.callId),
      ['a3', 'a2', 'a1'],
      'newest first',
    );
    assert.equal(queue.list({ limit: 1 }).length, 1);
    assert.equal(queue.get('nope'), undefined);
  } finally {
    await queue.stop();
    state.remove();
  }
});

test('a duplicate call id is ignored; bad input is a ValidationError', async () => {
  const state = tempStateDir();
  let runs = 0;
  const queue = new AsyncQueue({
    stateDir: state.dir,
    invoke: async () => {
      runs++;
      return jsonResult(200, {});
    },
  });
  try {
    queue.enqueue(request('same'));
    queue.enqueue(request('same', { body: Buffer.from('other') }));
    assert.equal(queue.depth(), 1);
    queue.start();
    await waitFor('done', () => queue.depth() === 0);
    assert.equal(runs, 1);
    for (const bad of [
      request('x', { callbackUrl: 'not a url' }),
      request('x', { callbackUrl: 'file:///etc/passwd' }),
      request(''),
      request('x', { functionName: '' }),
    ]) {
      assert.throws(
        () => queue.enqueue(bad),
        (err: unknown) => err instanceof ValidationError && err.statusCode === 422,
      );
    }
  } finally {
    await queue.stop();
  }
  assert.throws(() => queue.enqueue(request('late')), /stopped/);
  state.remove();
});

test('stored results are capped; the callback still gets the whole body', async () => {
  const state = tempStateDir();
  const receiver = await startReceiver();
  const big = Buffer.alloc(5000, 'x');
  const queue = new AsyncQueue({
    stateDir: state.dir,
    maxStoredResultBytes: 100,
    invoke: async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: big, durationSeconds: 0 }),
  });
  try {
    queue.start();
    queue.enqueue(request('big', { callbackUrl: receiver.url }));
    await waitFor('callback', () => receiver.received.length === 1);
    assert.equal(receiver.received[0].body.length, 5000);
    assert.equal(receiver.received[0].headers['content-type'], 'text/plain');
    const s = queue.get('big')!;
    assert.equal(s.resultTruncated, true);
    assert.equal(s.resultBytes, 5000);
    assert.equal(Buffer.from(s.result as string, 'base64').length, 100);
  } finally {
    await queue.stop();
    await receiver.close();
    state.remove();
  }
});

test('callback delivery is retried without running the function again', async () => {
  const state = tempStateDir();
  const receiver = await startReceiver();
  receiver.answer = (i) => (i < 2 ? 503 : 204);
  let runs = 0;
  const queue = new AsyncQueue({
    stateDir: state.dir,
    callbackBackoffMs: 10,
    callbackAttempts: 3,
    invoke: async () => {
      runs++;
      return jsonResult(200, { ok: true });
    },
  });
  try {
    queue.start();
    queue.enqueue(request('cb', { callbackUrl: receiver.url }));
    queue.enqueue(request('nobody', { callbackUrl: 'http://127.0.0.1:9/closed' }));
    await waitFor('callback recorded', () => queue.get('cb')?.callbackStatus === 204);
    assert.equal(receiver.received.length, 3);
    assert.ok(receiver.received.every((r) => r.headers['x-call-id'] === 'cb'));
    await waitFor('refused callback recorded', () => queue.get('nobody')?.callbackStatus !== undefined);
    assert.equal(queue.get('nobody')!.callbackStatus, 0);
    assert.equal(queue.get('nobody')!.status, 'succeeded');
    assert.equal(runs, 2);
  } finally {
    await queue.stop();
    await receiver.close();
    state.remove();
  }
});

test('stop() puts a call still running after the grace back in the queue, not counted', async () => {
  const state = tempStateDir();
  const gate = gatedInvoker(() => jsonResult(200, { ok: 1 }));
  const first = new AsyncQueue({ stateDir: state.dir, stopGraceMs: 50, invoke: gate.invoke });
  first.start();
  first.enqueue(request('slow'));
  await waitFor('started', () => gate.calls.length === 1);
  await first.stop();
  gate.releaseAll(); // the late answer is dropped: the queue is closed

  const runs: string[] = [];
  const second = new AsyncQueue({
    stateDir: state.dir,
    invoke: async (req) => {
      runs.push(req.callId);
      return jsonResult(200, { again: req.callId });
    },
  });
  try {
    assert.equal(second.get('slow')!.status, 'queued');
    assert.equal(second.get('slow')!.attempts, 0);
    second.start();
    await waitFor('done', () => second.depth() === 0);
    assert.deepEqual(runs, ['slow']);
    assert.equal(second.get('slow')!.attempts, 1);
    assert.deepEqual(second.get('slow')!.result, { again: 'slow' });
  } finally {
    await second.stop();
    state.remove();
  }
});

test('a finished call whose callback never got an answer before stop() is redelivered at start', async () => {
  const state = tempStateDir();
  const receiver = await startReceiver();
  receiver.answer = () => 'hang';
  const first = new AsyncQueue({
    stateDir: state.dir,
    callbackTimeoutMs: 60_000,
    invoke: async () => jsonResult(200, { v: 42 }),
  });
  first.start();
  first.enqueue(request('pending', { callbackUrl: receiver.url }));
  await waitFor('first callback arrives', () => receiver.received.length === 1);
  assert.equal(first.get('pending')!.status, 'succeeded');
  await first.stop();

  receiver.answer = () => 200;
  let runs = 0;
  const second = new AsyncQueue({
    stateDir: state.dir,
    invoke: async () => {
      runs++;
      return jsonResult(200, {});
    },
  });
  try {
    second.start();
    await waitFor('callback redelivered', () => second.get('pending')?.callbackStatus === 200);
    assert.equal(runs, 0, 'the function does not run again');
    const again = receiver.received[1];
    assert.equal(again.headers['x-call-id'], 'pending');
    assert.equal(again.headers['x-function-status'], '200');
    assert.deepEqual(JSON.parse(again.body.toString()), { v: 42 });
  } finally {
    await second.stop();
    await receiver.close();
    state.remove();
  }
});

test('a call the process keeps dying under is dead after maxRetries + 1 crashes', () => {
  const state = tempStateDir();
  const store = new AsyncStore(state.dir);
  try {
    store.insert(request('poison'), Date.now());
    const limit = 2;
    for (let crash = 1; crash <= limit; crash++) {
      assert.equal(store.claimNext(Date.now(), [])?.call_id, 'poison');
      assert.deepEqual(store.recoverRunning(Date.now(), limit), { requeued: 1, dead: 0 });
      assert.equal(store.row('poison')!.attempts, 0);
    }
    store.claimNext(Date.now(), []);
    assert.deepEqual(store.recoverRunning(Date.now(), limit), { requeued: 0, dead: 1 });
    const s = toStatus(store.row('poison')!);
    assert.equal(s.status, 'dead');
    assert.match(s.error ?? '', /process stopped during every attempt \(3 times\)/);
  } finally {
    store.close();
    state.remove();
  }
});

test('retry() runs a dead call again with a fresh budget; prune() drops old finished calls', async () => {
  const state = tempStateDir();
  const receiver = await startReceiver();
  let healthy = false;
  let runs = 0;
  const queue = new AsyncQueue({
    stateDir: state.dir,
    maxRetries: 0,
    invoke: async (req) => {
      runs++;
      return healthy || req.callId === 'kept' ? jsonResult(200, { ok: true }) : jsonResult(502, { error: 'down' });
    },
  });
  try {
    queue.start();
    queue.enqueue(request('r1', { callbackUrl: receiver.url }));
    queue.enqueue(request('kept'));
    await waitFor('dead', () => queue.get('r1')?.status === 'dead' && queue.depth() === 0);
    await waitFor('first callback', () => receiver.received.length === 1);
    assert.equal(queue.retry('kept'), false, 'only dead or failed calls');
    assert.equal(queue.retry('nope'), false);
    healthy = true;
    assert.equal(queue.retry('r1'), true);
    await waitFor('succeeded', () => queue.get('r1')?.status === 'succeeded');
    assert.equal(queue.get('r1')!.attempts, 1);
    await waitFor('second callback', () => receiver.received.length === 2);
    assert.equal(receiver.received[1].headers['x-function-status'], '200');
    assert.equal(runs, 3);
    await waitFor('callback recorded', () => queue.get('r1')?.callbackStatus === 200);

    assert.equal(queue.prune(60_000), 0, 'nothing that old');
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(queue.prune(0), 2);
    assert.equal(queue.list().length, 0);
    assert.throws(() => queue.list({ limit: 0 }), ValidationError);
    assert.throws(() => queue.list({ status: 'lost' as never }), ValidationError);
  } finally {
    await queue.stop();
    await receiver.close();
    state.remove();
  }
});
