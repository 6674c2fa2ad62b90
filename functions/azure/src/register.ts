// Registers faasml function modules as Azure Functions v4 HTTP triggers (`app.http`), one
// route per function, and returns the handlers so tests can call them with HttpRequest and
// InvocationContext objects as Microsoft documents for unit tests.
import * as azureModule from '@azure/functions';
import type { HttpHandler } from '@azure/functions';
import type { FunctionModule } from '../../../src/contract.js';
import { azureHttpHandler } from '../../../src/adapters/azure.js';
import type { AzureHandlerOptions } from '../../../src/adapters/azure.js';

// @azure/functions is a CommonJS bundle whose named exports Node's ESM loader cannot see:
// under ESM the API sits on `default`, under CommonJS (the deployed bundle) on the module.
type AzureFunctions = typeof azureModule;
const az: AzureFunctions =
  (azureModule as unknown as { default?: AzureFunctions }).default?.app !== undefined
    ? (azureModule as unknown as { default: AzureFunctions }).default
    : azureModule;

/** Training can take long and posts data; inference answers GET and POST alike. */
const METHODS: ('GET' | 'POST')[] = ['GET', 'POST'];

export function registerFunctions(
  modules: Record<string, FunctionModule>,
  opts: AzureHandlerOptions = {},
): Record<string, HttpHandler> {
  const handlers: Record<string, HttpHandler> = {};
  for (const [name, mod] of Object.entries(modules)) {
    const handler = azureHttpHandler(name, mod, opts);
    az.app.http(name, { methods: METHODS, authLevel: 'function', route: name, handler });
    handlers[name] = handler;
  }
  return handlers;
}
