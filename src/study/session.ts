// The platform a notebook measures: the gateway named by FAASML_GATEWAY when set (another
// `faasml up`, or a real OpenFaaS), else an embedded platform that this session starts as its
// own process (`faasml up --detach`), so the gateway's CPU is not the notebook's or the load
// generator's. Everything goes through the gateway's OpenFaaS API.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fetch } from 'undici';
import { projectRoot, stateDir } from '../paths.js';
import { callFunction, getJson } from './invoke.js';
import type { StudyParams } from './params.js';

export interface PlatformSession {
  url: string;
  /** 'warm-pool' | 'cold' for an embedded platform; 'external' for FAASML_GATEWAY. */
  startMode: string;
  description: string;
  stop(): Promise<void>;
}

export class PlatformUnreachableError extends Error {}

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/healthz`, { signal: AbortSignal.timeout(3000) });
    await res.text();
    return res.status === 200;
  } catch {
    return false;
  }
}

function faasml(args: string[]): Promise<string> {
  const root = projectRoot();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(root, 'bin', 'faasml.js'), ...args], { cwd: root, env: { ...process.env, FAASML_ROOT: root } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`faasml ${args[0]} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

export async function openSession(name: string, opts: { startMode?: 'cold' | 'warm-pool'; gateway?: string } = {}): Promise<PlatformSession> {
  const gateway = opts.gateway ?? process.env.FAASML_GATEWAY;
  if (gateway) {
    if (!(await reachable(gateway))) {
      throw new PlatformUnreachableError(`no platform reachable at ${gateway} (FAASML_GATEWAY): start one with \`faasml up\`, or unset FAASML_GATEWAY to let the notebook start its own`);
    }
    return { url: gateway.replace(/\/$/, ''), startMode: 'external', description: `the gateway at ${gateway}`, stop: async () => {} };
  }
  const startMode = opts.startMode ?? 'warm-pool';
  const dir = join(stateDir(), name);
  let url: string;
  // A gateway left on this notebook's state directory by an earlier, interrupted run goes first.
  await faasml(['down', '--state-dir', dir]).catch(() => undefined);
  try {
    const out = await faasml(['up', '--detach', '--json', '--port', '0', '--state-dir', dir, '--start-mode', startMode]);
    url = (JSON.parse(out.trim().split('\n').pop() as string) as { url: string }).url;
  } catch (err) {
    throw new PlatformUnreachableError(`no platform reachable: the embedded platform did not start (${(err as Error).message})`);
  }
  return {
    url,
    startMode,
    description: `an embedded faasml platform at ${url} (start mode ${startMode})`,
    stop: async () => {
      await faasml(['down', '--state-dir', dir]);
    },
  };
}

/** Replicas of a function, from GET /system/function/{name}. */
export async function replicas(url: string, name: string): Promise<number> {
  return Number((await getJson<{ replicas: number }>(`${url}/system/function/${name}`)).replicas);
}

/** Scales a function to zero and waits until its last instance is gone, so the next call starts cold. */
export async function scaleToZero(url: string, name: string): Promise<void> {
  const res = await fetch(`${url}/system/scale-function/${name}`, { method: 'POST', body: JSON.stringify({ replicas: 0 }), headers: { 'content-type': 'application/json' } });
  await res.text();
  if (res.status >= 300) throw new Error(`scaling ${name} to zero answered ${res.status}`);
  const until = Date.now() + 30_000;
  while ((await replicas(url, name)) > 0) {
    if (Date.now() > until) throw new Error(`${name} still has instances 30 s after scaling to zero`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The inference functions serve the newest model of their kind: trains a small one through the
 * platform when none answers yet (a fresh clone that starts with this notebook).
 */
export async function ensureModels(url: string, params: StudyParams): Promise<string[]> {
  const trained: string[] = [];
  const probe = await callFunction(url, 'lr-infer', { x: [[1, 2]] });
  if (probe.status === 404) {
    const t = await callFunction(url, 'lr-train', { formula: params.formula, samples: params.faasTraining.lr.samples, epochs: params.faasTraining.lr.epochs, seed: params.seed });
    if (t.status !== 200) throw new Error(`lr-train answered ${t.status}: ${JSON.stringify(t.body)}`);
    trained.push(String((t.body as { model: string }).model));
  }
  const image = Array.from({ length: 32 * 32 * 3 }, () => 0.5);
  const probeResnet = await callFunction(url, 'resnet-infer', { x: [image] });
  if (probeResnet.status === 404) {
    const t = await callFunction(url, 'resnet-train', { images: params.faasTraining.resnet.images, epochs: 1, seed: params.seed });
    if (t.status !== 200) throw new Error(`resnet-train answered ${t.status}: ${JSON.stringify(t.body)}`);
    trained.push(String((t.body as { model: string }).model));
  }
  return trained;
}
