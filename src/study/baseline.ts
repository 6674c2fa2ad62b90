// The baseline without FaaS: one function's handler served directly by express with
// body-parser, as OpenFaaS's node template does inside its container, in a process of its own
// (`faasml serve-function`). No gateway, no instances, no scaling.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

export interface Baseline {
  functionName: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function startBaseline(functionName: string): Promise<Baseline> {
  const root = projectRoot();
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'faasml.js'), 'serve-function', functionName, '--port', '0', '--json'], {
    cwd: root,
    env: { ...process.env, FAASML_ROOT: root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        functionName,
        url,
        pid: child.pid as number,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`serve-function ${functionName} exited with ${code}: ${err.trim()}`)));
  });
}
