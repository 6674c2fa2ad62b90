// Shared by the async queue tests: a real HTTP callback receiver on 127.0.0.1, polling, temp dirs.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  /** Status to answer with (a function of how many came before); 'hang' never answers. */
  answer: (index: number) => number | 'hang';
  close(): Promise<void>;
}

export async function startReceiver(): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const receiver: CallbackReceiver = {
    url: '',
    received,
    answer: () => 200,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks), at: performance.now() });
      const status = receiver.answer(index);
      if (status === 'hang') return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
  return receiver;
}

export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tempStateDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'faasml-async-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function jsonResult(statusCode: number, value: unknown) {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json' },
    body: Buffer.from(JSON.stringify(value)),
    durationSeconds: 0.001,
  };
}
