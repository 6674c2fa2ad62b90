// The process behind one function instance. Started by the gateway with Node IPC; in warm-pool
// mode it imports TensorFlow.js and initialises the backend before it is handed a function.
// It loads the handler module, runs init() once, says 'ready', then serves requests with the
// same buildEvent/toResponse every adapter uses. Lines it writes are tagged with the function,
// instance and current call id. It exits when the gateway goes away (IPC 'disconnect').
import { AsyncLocalStorage } from 'node:async_hooks';
import { pathToFileURL } from 'node:url';
import { type FunctionContext, type FunctionModule, type Logger, buildEvent, maxBodyBytes, toResponse } from '../contract.js';
import type { FromInstance, LoadMessage, RequestMessage, ToInstance } from './protocol.js';

const callIds = new AsyncLocalStorage<string>();
let tag = `- ${process.env.FAASML_INSTANCE_ID ?? process.pid}`;
let mod: FunctionModule | undefined;
let baseContext: Omit<FunctionContext, 'remainingTimeMs'> | undefined;
let bodyLimit = maxBodyBytes();
const early: RequestMessage[] = [];

function send(msg: FromInstance): void {
  if (process.connected) process.send!(msg);
}

// Prefix every line written to stdout/stderr with time, function, instance and call id.
function tagStream(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: string, cb?: (err?: Error | null) => void) => boolean;
  let lineStart = true;
  stream.write = ((chunk: string | Uint8Array, enc?: unknown, cb?: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const prefix = `${new Date().toISOString()} ${tag} ${callIds.getStore() ?? '-'} `;
    let out = '';
    for (const piece of text.split(/(?<=\n)/)) {
      if (lineStart) out += prefix;
      out += piece;
      lineStart = piece.endsWith('\n');
    }
    const done = typeof enc === 'function' ? enc : cb;
    return write(out, done as (err?: Error | null) => void);
  }) as typeof stream.write;
}

function logger(): Logger {
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    process.stdout.write(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

async function prepareRuntime(): Promise<void> {
  // Warm pool: pay TensorFlow.js import and backend initialisation before any function is known.
  // A variable specifier: the backend module is optional for the platform.
  const backendModule = '../ml/backend.js';
  try {
    const backend = (await import(backendModule)) as { initBackend?: () => Promise<unknown> };
    if (typeof backend.initBackend === 'function') await backend.initBackend();
  } catch (err) {
    process.stderr.write(`warm-up: TensorFlow.js backend not initialised: ${(err as Error).message}\n`);
  }
  // Import the deployed handlers' code ahead (a module import must not do work: init() does).
  let preload: string[] = [];
  try {
    preload = JSON.parse(process.env.FAASML_PRELOAD ?? '[]') as string[];
  } catch {
    /* none */
  }
  for (const file of preload) {
    try {
      await import(pathToFileURL(file).href);
    } catch {
      /* reported when the function loads for real */
    }
  }
}

async function load(msg: LoadMessage): Promise<void> {
  const started = performance.now();
  tag = `${msg.fn} ${msg.instanceId}`;
  Object.assign(process.env, msg.env);
  bodyLimit = maxBodyBytes();
  baseContext = { functionName: msg.fn, instanceId: msg.instanceId, modelsDir: msg.modelsDir, env: process.env, log: logger() };
  try {
    const loaded = (await import(pathToFileURL(msg.handlerFile).href)) as FunctionModule & { default?: FunctionModule };
    const m = typeof loaded.handle === 'function' ? loaded : loaded.default;
    if (!m || typeof m.handle !== 'function') throw new Error(`${msg.handlerFile} exports no handle(event, context)`);
    if (typeof m.init === 'function') await m.init({ ...baseContext, remainingTimeMs: () => Infinity });
    mod = m;
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    process.stderr.write(`init failed: ${error}\n`);
    send({ t: 'loadError', error });
    return;
  }
  send({ t: 'ready', initMs: performance.now() - started });
  for (const r of early.splice(0)) void serve(r);
}

async function serve(msg: RequestMessage): Promise<void> {
  if (!mod || !baseContext) {
    early.push(msg);
    return;
  }
  const deadline = msg.timeoutMs > 0 ? Date.now() + msg.timeoutMs : Infinity;
  const context: FunctionContext = { ...baseContext, remainingTimeMs: () => deadline - Date.now() };
  const body = Buffer.isBuffer(msg.body) ? msg.body : Buffer.from(msg.body.buffer, msg.body.byteOffset, msg.body.byteLength);
  let res;
  try {
    const event = buildEvent({ body, headers: msg.headers, method: msg.method, query: msg.query, path: msg.path }, bodyLimit);
    const handler = mod;
    const result = await callIds.run(msg.callId, () => handler.handle(event, context));
    res = toResponse(result);
  } catch (err) {
    res = toResponse(err, true);
    if (res.statusCode >= 500) callIds.run(msg.callId, () => process.stderr.write(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`));
  }
  send({ t: 'res', id: msg.id, s: res.statusCode, h: res.headers, b: res.body });
}

function main(): void {
  tagStream(process.stdout);
  tagStream(process.stderr);
  // No orphans: the gateway's death closes the channel.
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C in a terminal (or a notebook's kernel interrupt) reaches the whole process group:
  // the gateway decides when instances stop, so the runner ignores it.
  process.on('SIGINT', () => {});
  process.on('message', (msg: ToInstance) => {
    if (msg.t === 'req') void serve(msg);
    else if (msg.t === 'load') void load(msg);
  });
  if (process.env.FAASML_WARM === '1') void prepareRuntime().then(() => send({ t: 'warm' }));
  else send({ t: 'warm' });
}

main();
