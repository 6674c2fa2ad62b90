// Messages between the gateway and an instance process over Node IPC ('advanced'
// serialization, so Buffers cross without base64). Short field names: these go by per request.

/** Gateway → instance: become function `fn` (load its module, run init). */
export interface LoadMessage {
  t: 'load';
  fn: string;
  handlerFile: string;
  instanceId: string;
  env: Record<string, string>;
  modelsDir: string;
}

/** Gateway → instance: one request. */
export interface RequestMessage {
  t: 'req';
  id: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | Uint8Array;
  callId: string;
  /** Milliseconds before the gateway gives up (0: no limit). */
  timeoutMs: number;
}

export type ToInstance = LoadMessage | RequestMessage;

/** Instance → gateway. */
export type FromInstance =
  | { t: 'warm' }
  | { t: 'ready'; initMs: number }
  | { t: 'loadError'; error: string }
  | { t: 'res'; id: number; s: number; h: Record<string, string>; b: Buffer | Uint8Array };
