// Platform commands: up (foreground or --detach), down, ps, invoke, logs. Each calls one library
// function in src/platform/; the platform itself loads inside the action so --help stays fast.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { BadRequestError } from '../errors.js';
import { projectRoot, stateDir as defaultStateDir } from '../paths.js';
import { printResult, table } from './output.js';

const DEFAULT_GATEWAY = process.env.OPENFAAS_URL ?? 'http://127.0.0.1:8080';

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new BadRequestError(`--port '${v}' must be an integer from 0 to 65535`);
  return n;
}

function parseAuth(v: string | undefined): { user: string; password: string } | undefined {
  if (!v) return undefined;
  const i = v.indexOf(':');
  if (i <= 0) throw new BadRequestError("--basic-auth must be 'user:password'");
  return { user: v.slice(0, i), password: v.slice(i + 1) };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface UpOptions {
  file?: string;
  port: string;
  host: string;
  stateDir?: string;
  startMode: string;
  warmPoolSize: string;
  basicAuth?: string;
  functionKeys?: boolean;
  detach?: boolean;
  json?: boolean;
}

async function up(opts: UpOptions): Promise<void> {
  const stateDir = resolve(opts.stateDir ?? defaultStateDir());
  const port = parsePort(opts.port);
  if (opts.startMode !== 'cold' && opts.startMode !== 'warm-pool') throw new BadRequestError(`--start-mode '${opts.startMode}' must be cold or warm-pool`);
  if (opts.detach) return detach(opts, stateDir);
  const { startPlatform } = await import('../platform/index.js');
  // Starting the functions' minimum instances (init loads models) can take a while.
  let bar: import('cli-progress').SingleBar | undefined;
  if (process.stderr.isTTY) {
    const { SingleBar, Presets } = await import('cli-progress');
    bar = new SingleBar({ format: 'starting functions [{bar}] {value}/{total} {fn}', stream: process.stderr, clearOnComplete: true }, Presets.shades_classic);
  }
  const platform = await startPlatform({
    onProgress: (ready, total, fn) => {
      if (!bar) return;
      if (ready === 0) bar.start(total, 0, { fn: '' });
      else bar.update(ready, { fn });
      if (ready === total) bar.stop();
    },
    port,
    host: opts.host,
    stackFile: opts.file,
    stateDir,
    startMode: opts.startMode,
    warmPoolSize: Number(opts.warmPoolSize),
    basicAuth: parseAuth(opts.basicAuth),
    functionKeys: opts.functionKeys,
  }).finally(() => bar?.stop());
  const summary = { url: platform.url, pid: process.pid, stateDir, startMode: platform.startMode, functions: platform.status().map((s) => ({ name: s.name, replicas: s.replicas })), keys: platform.keys };
  printResult(summary, opts, (s) =>
    [
      `faasml gateway on ${s.url} (pid ${s.pid}, ${s.startMode}, state ${s.stateDir})`,
      ...s.functions.map((f) => `  ${f.name}: ${f.replicas} replica(s)  ${s.url}/function/${f.name}`),
      ...(s.keys ? [`  host key: ${s.keys.hostKey} (x-functions-key header or ?code=)`] : []),
      'Ctrl-C stops the gateway and every instance.',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    const stop = () => {
      process.stderr.write('stopping...\n');
      void platform.stop().then(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.exit(0);
}

async function detach(opts: UpOptions, stateDir: string): Promise<void> {
  const { mkdirSync } = await import('node:fs');
  const { readLock, isAlive } = await import('../platform/state-lock.js');
  mkdirSync(stateDir, { recursive: true });
  const held = readLock(stateDir);
  if (held && isAlive(held.pid)) throw new Error(`state directory ${stateDir} is in use by a running faasml gateway (pid ${held.pid}${held.url ? `, ${held.url}` : ''})`);
  const args = [join(projectRoot(), 'bin', 'faasml.js'), 'up', '--port', opts.port, '--host', opts.host, '--state-dir', stateDir, '--start-mode', opts.startMode, '--warm-pool-size', opts.warmPoolSize];
  if (opts.file) args.push('--file', resolve(opts.file));
  if (opts.basicAuth) args.push('--basic-auth', opts.basicAuth);
  if (opts.functionKeys) args.push('--function-keys');
  const logPath = join(stateDir, 'gateway.log');
  const out = openSync(logPath, 'a');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: process.env });
  closeSync(out);
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const lock = readLock(stateDir);
    if (lock && lock.pid === child.pid && lock.url) {
      // The lock gets its url once listening; functions are ready when /healthz and the list answer.
      try {
        const r = await fetch(`${lock.url}/healthz`);
        if (r.ok && readFileSync(logPath, 'utf8').includes(`pid ${child.pid}`)) {
          printResult({ url: lock.url, pid: child.pid, stateDir, log: logPath }, opts, (s) => `faasml gateway on ${s.url} (pid ${s.pid}, detached; log ${s.log})\nstop it with: faasml down --state-dir ${s.stateDir}`);
          process.exit(0);
        }
      } catch {
        /* not yet */
      }
    }
    if (exited) {
      const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join('\n');
      throw new Error(`the gateway did not start:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the gateway did not start within 120 s (see ${logPath})`);
}

async function down(opts: { port?: string; stateDir?: string; host: string; auth?: string; json?: boolean }): Promise<void> {
  const { readLock, isAlive } = await import('../platform/state-lock.js');
  let pid: number | undefined;
  let where: string;
  if (opts.port !== undefined) {
    const port = parsePort(opts.port);
    where = `http://${opts.host}:${port}`;
    try {
      const headers: Record<string, string> = opts.auth ? { authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {};
      const r = await fetch(`${where}/system/info`, { headers });
      if (r.status === 401) throw new Error(`the gateway on ${where} needs basic auth: pass --auth user:password or --state-dir`);
      pid = ((await r.json()) as { pid?: number }).pid;
    } catch (err) {
      if (err instanceof Error && err.message.includes('basic auth')) throw err;
      throw new Error(`no faasml gateway answers on ${where}`);
    }
  } else {
    const dir = resolve(opts.stateDir ?? defaultStateDir());
    where = dir;
    const lock = readLock(dir);
    if (!lock || !isAlive(lock.pid)) throw new Error(`no running faasml gateway for state directory ${dir}`);
    pid = lock.pid;
  }
  if (!pid) throw new Error(`the gateway on ${where} did not say its pid`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  printResult({ stopped: true, pid, where }, opts, (r) => `stopped the faasml gateway (pid ${r.pid}) and its instances`);
}

async function ps(opts: { gateway: string; auth?: string; json?: boolean }): Promise<void> {
  const { systemGet } = await import('../platform/client.js');
  const fns = await systemGet<Record<string, unknown>[]>({ gateway: opts.gateway, auth: opts.auth }, '/system/functions');
  printResult({ gateway: opts.gateway, functions: fns }, opts, (r) =>
    table(
      ['NAME', 'READY', 'STARTING', 'MIN', 'MAX', 'IN-FLIGHT', 'QUEUED', 'INVOCATIONS', 'COLD-STARTS'],
      r.functions.map((f) => [f.name, f.ready, f.starting, f.minReplicas, f.maxReplicas, f.inFlight, f.queued, f.invocationCount, f.coldStarts] as (string | number)[]),
    ),
  );
}

async function invoke(name: string, opts: { data?: string; dataFile?: string; header: string[]; method?: string; async?: boolean; callback?: string; gateway: string; json?: boolean }): Promise<void> {
  const { invokeFunction } = await import('../platform/client.js');
  const headers: Record<string, string> = {};
  for (const h of opts.header) {
    const i = h.indexOf(':');
    if (i <= 0) throw new BadRequestError(`header '${h}' must be 'Name: value'`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  const data = opts.dataFile ? readFileSync(opts.dataFile) : opts.data;
  const r = await invokeFunction({ gateway: opts.gateway }, name, { data, method: opts.method, headers, async: opts.async, callbackUrl: opts.callback });
  if (opts.json) {
    let body: unknown = r.body;
    try {
      body = JSON.parse(r.body);
    } catch {
      /* text */
    }
    printResult({ status: r.status, callId: r.headers['x-call-id'], headers: r.headers, body }, opts, () => '');
  } else if (opts.async) {
    process.stdout.write(r.status === 202 ? `accepted: call id ${r.headers['x-call-id']} (status: GET ${opts.gateway}/system/async/${r.headers['x-call-id']})\n` : `${r.body}\n`);
  } else process.stdout.write(r.body.endsWith('\n') ? r.body : `${r.body}\n`);
  if (r.status >= 400) {
    process.stderr.write(`faasml: ${name} answered ${r.status}\n`);
    process.exitCode = 1;
  }
}

async function logs(name: string, opts: { follow?: boolean; callId?: string; tail?: string; stateDir?: string; json?: boolean }): Promise<void> {
  const { readLogs, followLogs } = await import('../platform/logs.js');
  const dir = resolve(opts.stateDir ?? defaultStateDir());
  const tail = opts.tail === undefined ? undefined : Number(opts.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new BadRequestError(`--tail '${opts.tail}' must be a whole number`);
  const lines = readLogs(dir, name, { callId: opts.callId, tail });
  if (opts.json && !opts.follow) return printResult({ function: name, lines }, opts, () => '');
  for (const l of lines) process.stdout.write(`${opts.json ? JSON.stringify({ line: l }) : l}\n`);
  if (!opts.follow) return;
  const stop = followLogs(dir, name, (l) => process.stdout.write(`${opts.json ? JSON.stringify({ line: l }) : l}\n`), { callId: opts.callId });
  await new Promise<void>((done) => process.once('SIGINT', () => (stop(), done())));
}

export function register(program: Command): void {
  program
    .command('up')
    .description('Start the embedded FaaS gateway and deploy the stack (Ctrl-C stops it and every instance)')
    .option('-f, --file <stack.yml>', 'stack file to deploy (default functions/stack.yml)')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--state-dir <dir>', 'logs, queue, models, lock (default .faasml or FAASML_STATE_DIR)')
    .option('--start-mode <mode>', 'cold (new process per instance) or warm-pool (pre-started processes with TensorFlow.js loaded)', 'warm-pool')
    .option('--warm-pool-size <n>', 'warm processes kept per heap size', '1')
    .option('--basic-auth <user:password>', 'require basic auth on /system/*')
    .option('--function-keys', 'require a function key on /function/* (x-functions-key header or ?code=)')
    .option('-d, --detach', 'run the gateway in the background (stop it with faasml down)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml up\n  $ faasml up -f functions/stack.yml --port 8099 --state-dir /tmp/run1 --detach')
    .action(up);

  program
    .command('down')
    .description('Stop a gateway started with faasml up --detach, and all its instances')
    .option('-p, --port <port>', 'the gateway on this port')
    .option('--host <host>', 'address of the gateway', '127.0.0.1')
    .option('--state-dir <dir>', 'the gateway holding this state directory (default .faasml)')
    .option('-a, --auth <user:password>', 'basic auth, when the gateway was started with --basic-auth')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml down --port 8099\n  $ faasml down --state-dir /tmp/run1')
    .action(down);

  program
    .command('ps')
    .description('Show each function: replicas ready/starting, in flight, queued, invocations, cold starts')
    .option('-g, --gateway <url>', 'gateway URL (OPENFAAS_URL)', DEFAULT_GATEWAY)
    .option('-a, --auth <user:password>', 'basic auth for /system/*')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExample:\n  $ faasml ps --gateway http://127.0.0.1:8080')
    .action(ps);

  program
    .command('invoke <name>')
    .description('Call a function through the gateway and print its answer')
    .option('-d, --data <body>', 'request body (JSON is sent as application/json)')
    .option('--data-file <path>', 'request body from a file')
    .option('-H, --header <header>', "extra header 'Name: value' (repeatable)", collect, [])
    .option('-m, --method <method>', 'HTTP method (default POST with data, GET without)')
    .option('--async', 'queue the call (POST /async-function/<name>): prints the call id')
    .option('--callback <url>', 'with --async: where to POST the result')
    .option('-g, --gateway <url>', 'gateway URL (OPENFAAS_URL)', DEFAULT_GATEWAY)
    .option('--json', 'print status, headers and body as one JSON object')
    .addHelpText('after', `\nExample:\n  $ faasml invoke lr-infer --data '{"x": [[1, 2]]}'\n  $ faasml invoke resnet-train --data '{"epochs": 1}' --async --callback http://127.0.0.1:9000/done`)
    .action(invoke);

  program
    .command('logs <name>')
    .description("Print a function's log lines (time, function, instance, call id, text)")
    .option('-f, --follow', 'keep printing new lines (Ctrl-C stops)')
    .option('--call-id <id>', 'only the lines of this call')
    .option('--tail <n>', 'only the last n lines')
    .option('--state-dir <dir>', 'state directory of the gateway (default .faasml)')
    .option('--json', 'print one JSON object (with --follow: one per line)')
    .addHelpText('after', '\nExample:\n  $ faasml logs lr-infer --follow\n  $ faasml logs lr-infer --call-id 3f1c...')
    .action(logs);
}

