// A test server with a known answer: every request waits `delayMs` and the server records its
// own view of each request's time (the truth the load generator is checked against). It can
// stall once (every request that arrives during the stall waits until it ends, like a GC pause)
// and answer a chosen status (`?status=503`). GET /__durations returns (and clears) its times. Used in-process by tests, or as a script:
//   node --import tsx benchmarks/servers/delay-server.ts --delay 5 --port 0
// prints "listening <port>" and serves until killed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface DelayServerOptions {
  delayMs?: number;
  /** Stall once, when this many requests have arrived (1-based). */
  stallAtRequest?: number;
  stallMs?: number;
  port?: number;
  /** Response body text (default "ok"). */
  body?: string;
}

export interface DelayServer {
  url: string;
  port: number;
  /** Server-side time of each request, ms (arrival to last byte written). */
  durations: number[];
  requests: number;
  close(): Promise<void>;
  server: Server;
}

function wait(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

export async function startDelayServer(opts: DelayServerOptions = {}): Promise<DelayServer> {
  const delayMs = opts.delayMs ?? 0;
  const body = Buffer.from(opts.body ?? 'ok');
  const durations: number[] = [];
  let requests = 0;
  let stallUntil = 0;
  const server = createServer((req, res) => {
    const t0 = performance.now();
    if (req.url === '/__durations') {
      // The server's own times, for a generator in another process; reading resets them.
      res.end(JSON.stringify({ requests, durations: durations.splice(0) }));
      return;
    }
    requests++;
    if (opts.stallAtRequest !== undefined && requests === opts.stallAtRequest) stallUntil = t0 + (opts.stallMs ?? 1000);
    const url = new URL(req.url ?? '/', 'http://x');
    const status = Number(url.searchParams.get('status') ?? 200);
    req.resume();
    req.on('end', async () => {
      await wait(stallUntil - performance.now());
      await wait(delayMs);
      res.writeHead(status, {
        'content-type': 'text/plain',
        'content-length': body.length,
        'x-faasml-cold-start': requests === 1 ? 'true' : 'false',
        'x-faasml-instance': 'delay-1',
      });
      res.end(body, () => durations.push(performance.now() - t0));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    durations,
    get requests() {
      return requests;
    },
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const s = await startDelayServer({
    delayMs: Number(arg('delay') ?? 0),
    port: Number(arg('port') ?? 0),
    stallAtRequest: arg('stall-at') ? Number(arg('stall-at')) : undefined,
    stallMs: arg('stall-ms') ? Number(arg('stall-ms')) : undefined,
  });
  process.stdout.write(`listening ${s.port}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
