#!/usr/bin/env node
// The package's bin: runs the TypeScript CLI through tsx, so no build step stands between a
// checkout and a working command.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

process.env.FAASML_ROOT ??= resolve(dirname(fileURLToPath(import.meta.url)), '..');
register();
const { main } = await import('../src/cli.ts');
await main(process.argv);
