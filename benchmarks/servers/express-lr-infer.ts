// The baseline: one handler served directly by express + body-parser in one process, the way
// OpenFaaS's node20 template (of-watchdog http mode) serves a function. Same buildEvent and
// toResponse as the platform, so only the serving path differs.
//   node --import tsx benchmarks/servers/express-lr-infer.ts --port 8181 [--handler functions/lr-infer] [--models DIR]
import bodyParser from 'body-parser';
import express from 'express';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type FunctionContext, type FunctionModule, buildEvent, toResponse } from '../../src/contract.js';
import { findHandlerFile } from '../../src/platform/spec.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8181' }, handler: { type: 'string', default: 'functions/lr-infer' }, models: { type: 'string' } } });
const file = findHandlerFile(resolve(values.handler!));
if (!file) throw new Error(`no handler in ${values.handler}`);
const mod = (await import(pathToFileURL(file).href)) as FunctionModule;
const log = { info: () => {}, warn: () => {}, error: (m: string) => console.error(m) };
const ctx: FunctionContext = {
  functionName: 'lr-infer',
  instanceId: `express-${process.pid}`,
  remainingTimeMs: () => Infinity,
  modelsDir: resolve(values.models ?? '.faasml/models'),
  env: process.env,
  log,
};
await mod.init?.(ctx);

const app = express();
app.disable('x-powered-by');
app.use(bodyParser.raw({ type: '*/*', limit: '8mb' }));
app.use(async (req, res) => {
  let out;
  try {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const q = req.url.indexOf('?');
    const event = buildEvent({ body, headers: req.headers, method: req.method, query: req.query as Record<string, string>, path: q < 0 ? req.url : req.url.slice(0, q) });
    out = toResponse(await mod.handle(event, ctx));
  } catch (err) {
    out = toResponse(err, true);
  }
  res.status(out.statusCode).set(out.headers).send(out.body);
});
const server = app.listen(Number(values.port), '127.0.0.1', () => console.log(`express baseline on http://127.0.0.1:${values.port}`));
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
