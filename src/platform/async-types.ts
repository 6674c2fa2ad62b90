// Plain data types of the durable async queue (POST /async-function/{name}), shared by the
// SQLite store, the callback sender and the queue itself. async-queue.ts re-exports them.

/** One accepted asynchronous call, exactly what the function will be invoked with. */
export interface AsyncRequest {
  functionName: string;
  method: string;
  /** Sub-path after the function name, as the function sees it ('/' when none). */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
  /** Where to POST the function's response when the call is over (X-Callback-Url). */
  callbackUrl?: string;
  callId: string;
}

/** What invoking the function synchronously gave. */
export interface InvokeResult {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
  durationSeconds: number;
}

/** Runs one call (the gateway supplies it: it goes through the instances like a sync call). */
export type Invoker = (req: AsyncRequest) => Promise<InvokeResult>;

export type AsyncState = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';

/** What GET /system/async/{callId} shows. */
export interface AsyncStatus {
  callId: string;
  functionName: string;
  status: AsyncState;
  /** Attempts started so far (an attempt cut short by a crash or stop is not counted). */
  attempts: number;
  statusCode?: number;
  /** The last response: parsed JSON when it is JSON, else a base64 string. */
  result?: unknown;
  /** True when the stored result was cut to the size cap (the callback got the whole body). */
  resultTruncated?: boolean;
  /** Size of the whole response body in bytes. */
  resultBytes?: number;
  error?: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
  /** HTTP status the callback receiver answered (0: no answer: refused, timed out). */
  callbackStatus?: number;
}
