// The async queue's SQLite table. Every state change is one synchronous statement (better-sqlite3),
// committed before the call returns; WAL keeps committed rows across a kill -9 of the process.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AsyncRequest, AsyncState, AsyncStatus } from './async-types.js';

/** Largest response body kept per call (the callback still gets the whole body). */
export const DEFAULT_MAX_STORED_RESULT_BYTES = 1024 * 1024;

export type CallbackState = 'pending' | 'delivered' | 'failed';

/** One row of `calls`, as SQLite returns it. */
export interface CallRow {
  seq: number;
  call_id: string;
  function_name: string;
  status: AsyncState;
  attempts: number;
  interruptions: number;
  next_attempt_at: number;
  method: string;
  path: string;
  query: string;
  headers: string;
  body: Buffer;
  callback_url: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  status_code: number | null;
  result: Buffer | null;
  result_type: string | null;
  result_bytes: number | null;
  result_truncated: number;
  error: string | null;
  duration_seconds: number | null;
  callback_state: CallbackState | null;
  callback_status: number | null;
  callback_attempts: number;
}

/** The outcome of one attempt, as the queue records it. */
export interface AttemptOutcome {
  statusCode?: number;
  body?: Buffer;
  contentType?: string;
  error?: string;
  durationSeconds?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS calls (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id           TEXT NOT NULL UNIQUE,
  function_name     TEXT NOT NULL,
  status            TEXT NOT NULL,
  attempts          INTEGER NOT NULL DEFAULT 0,
  interruptions     INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER NOT NULL,
  method            TEXT NOT NULL,
  path              TEXT NOT NULL,
  query             TEXT NOT NULL,
  headers           TEXT NOT NULL,
  body              BLOB NOT NULL,
  callback_url      TEXT,
  created_at        INTEGER NOT NULL,
  started_at        INTEGER,
  finished_at       INTEGER,
  status_code       INTEGER,
  result            BLOB,
  result_type       TEXT,
  result_bytes      INTEGER,
  result_truncated  INTEGER NOT NULL DEFAULT 0,
  error             TEXT,
  duration_seconds  REAL,
  callback_state    TEXT,
  callback_status   INTEGER,
  callback_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS calls_by_status ON calls (status, seq);
CREATE INDEX IF NOT EXISTS calls_by_function ON calls (function_name, status);
`;

export class AsyncStore {
  private readonly db: Database.Database;
  private readonly maxStoredResultBytes: number;
  /** Prepared once per SQL text: preparing costs about as much as running these statements. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(stateDir: string, opts: { synchronous?: 'NORMAL' | 'FULL'; maxStoredResultBytes?: number } = {}) {
    mkdirSync(stateDir, { recursive: true });
    this.db = new Database(join(stateDir, 'queue.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is in the OS before run() returns, so it survives the process
    // being killed; FULL also fsyncs each commit, which survives a power cut at a cost per enqueue.
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.maxStoredResultBytes = opts.maxStoredResultBytes ?? DEFAULT_MAX_STORED_RESULT_BYTES;
  }

  get path(): string {
    return this.db.name;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  private sql(text: string): Database.Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Adds a call; false when the callId is already there (the first request wins). */
  insert(req: AsyncRequest, now: number): boolean {
    const info = this
      .sql(
        `INSERT OR IGNORE INTO calls (call_id, function_name, status, next_attempt_at, method, path, query,
           headers, body, callback_url, created_at, callback_state)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        req.callId,
        req.functionName,
        now,
        req.method,
        req.path,
        JSON.stringify(req.query),
        JSON.stringify(req.headers),
        req.body,
        req.callbackUrl ?? null,
        now,
        req.callbackUrl ? 'pending' : null,
      );
    return info.changes === 1;
  }

  /** Marks the oldest due call running (skipping saturated functions) and returns it. */
  claimNext(now: number, busyFunctions: string[]): CallRow | undefined {
    return this
      .sql(
        `UPDATE calls SET status = 'running', attempts = attempts + 1, started_at = ?
         WHERE seq = (SELECT seq FROM calls
                      WHERE status = 'queued' AND next_attempt_at <= ?
                        AND function_name NOT IN (SELECT value FROM json_each(?))
                      ORDER BY seq LIMIT 1)
         RETURNING *`,
      )
      .get(now, now, JSON.stringify(busyFunctions)) as CallRow | undefined;
  }

  /** When the next queued call of a function not in `busyFunctions` becomes due (undefined: none queued). */
  nextDueAt(busyFunctions: string[] = []): number | undefined {
    const row = this
      .sql(
        `SELECT MIN(next_attempt_at) AS at FROM calls
         WHERE status = 'queued' AND function_name NOT IN (SELECT value FROM json_each(?))`,
      )
      .get(JSON.stringify(busyFunctions)) as { at: number | null };
    return row.at ?? undefined;
  }

  /** Records an attempt that will be retried at `nextAttemptAt`. */
  retryLater(callId: string, outcome: AttemptOutcome, nextAttemptAt: number): void {
    this
      .sql(
        `UPDATE calls SET status = 'queued', next_attempt_at = ?, status_code = ?, result = ?, result_type = ?,
           result_bytes = ?, result_truncated = ?, error = ?, duration_seconds = ?
         WHERE call_id = ? AND status = 'running'`,
      )
      .run(nextAttemptAt, ...this.outcomeColumns(outcome), callId);
  }

  /** Records the last attempt: succeeded, failed or dead. */
  finish(callId: string, status: 'succeeded' | 'failed' | 'dead', outcome: AttemptOutcome, now: number): void {
    this
      .sql(
        `UPDATE calls SET status = ?, finished_at = ?, status_code = ?, result = ?, result_type = ?,
           result_bytes = ?, result_truncated = ?, error = ?, duration_seconds = ?
         WHERE call_id = ? AND status = 'running'`,
      )
      .run(status, now, ...this.outcomeColumns(outcome), callId);
  }

  /** Puts a call still running at stop() back in the queue; the attempt cut short is not counted. */
  requeueInterrupted(callId: string, now: number): void {
    this
      .sql(
        `UPDATE calls SET status = 'queued', attempts = MAX(attempts - 1, 0), next_attempt_at = ?
         WHERE call_id = ? AND status = 'running'`,
      )
      .run(now, callId);
  }

  /**
   * After a crash: calls left 'running' go back to the queue (at least once). A call the process
   * died under more than `maxInterruptions` times is dead: it is likely what kills the process.
   */
  recoverRunning(now: number, maxInterruptions: number): { requeued: number; dead: number } {
    return this.db.transaction(() => {
      const dead = this.db
        .prepare(
          `UPDATE calls SET status = 'dead', finished_at = ?, interruptions = interruptions + 1,
             error = 'the process stopped during every attempt (' || (interruptions + 1) || ' times)'
           WHERE status = 'running' AND interruptions + 1 > ?`,
        )
        .run(now, maxInterruptions).changes;
      const requeued = this.db
        .prepare(
          `UPDATE calls SET status = 'queued', attempts = MAX(attempts - 1, 0), interruptions = interruptions + 1,
             next_attempt_at = ? WHERE status = 'running'`,
        )
        .run(now).changes;
      return { requeued, dead };
    })();
  }

  /** A dead or failed call goes back to the queue with a fresh retry budget; false when there is none. */
  requeueFinished(callId: string, now: number): boolean {
    return (
      this.sql(
        `UPDATE calls SET status = 'queued', attempts = 0, interruptions = 0, next_attempt_at = ?, finished_at = NULL,
           callback_state = CASE WHEN callback_url IS NULL THEN NULL ELSE 'pending' END,
           callback_status = NULL, callback_attempts = 0
         WHERE call_id = ? AND status IN ('dead', 'failed')`,
      ).run(now, callId).changes === 1
    );
  }

  /** Deletes calls finished before `before` whose callback is not still pending; returns how many. */
  pruneFinished(before: number): number {
    return this.sql(
      `DELETE FROM calls WHERE status IN ('succeeded', 'failed', 'dead') AND finished_at < ?
         AND (callback_state IS NULL OR callback_state <> 'pending')`,
    ).run(before).changes;
  }

  /** Finished calls whose callback was not delivered yet (the process stopped in between). */
  pendingCallbacks(): CallRow[] {
    return this
      .sql(
        `SELECT * FROM calls WHERE callback_state = 'pending' AND status IN ('succeeded', 'failed', 'dead')
         ORDER BY seq`,
      )
      .all() as CallRow[];
  }

  recordCallback(callId: string, state: CallbackState, status: number, attempts: number): void {
    this
      .sql(`UPDATE calls SET callback_state = ?, callback_status = ?, callback_attempts = ? WHERE call_id = ?`)
      .run(state, status, attempts, callId);
  }

  row(callId: string): CallRow | undefined {
    return this.sql(`SELECT * FROM calls WHERE call_id = ?`).get(callId) as CallRow | undefined;
  }

  /** Newest first. */
  rows(opts: { status?: AsyncState; functionName?: string; limit?: number; oldestFirst?: boolean } = {}): CallRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.status) {
      where.push('status = ?');
      args.push(opts.status);
    }
    if (opts.functionName) {
      where.push('function_name = ?');
      args.push(opts.functionName);
    }
    const sql =
      `SELECT * FROM calls ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ` +
      `ORDER BY seq ${opts.oldestFirst ? 'ASC' : 'DESC'} LIMIT ?`;
    args.push(opts.limit ?? -1);
    return this.sql(sql).all(...args) as CallRow[];
  }

  /** Calls queued or running, for one function or all. */
  depth(functionName?: string): number {
    const row = (
      functionName
        ? this
            .sql(`SELECT COUNT(*) AS n FROM calls WHERE status IN ('queued', 'running') AND function_name = ?`)
            .get(functionName)
        : this.sql(`SELECT COUNT(*) AS n FROM calls WHERE status IN ('queued', 'running')`).get()
    ) as { n: number };
    return row.n;
  }

  private outcomeColumns(o: AttemptOutcome): [number | null, Buffer | null, string | null, number | null, number, string | null, number | null] {
    const body = o.body;
    const truncated = body !== undefined && body.length > this.maxStoredResultBytes;
    return [
      o.statusCode ?? null,
      body === undefined ? null : truncated ? body.subarray(0, this.maxStoredResultBytes) : body,
      o.contentType ?? null,
      body === undefined ? null : body.length,
      truncated ? 1 : 0,
      o.error ?? null,
      o.durationSeconds ?? null,
    ];
  }
}

const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

/** The stored result as the status shows it: parsed JSON when it is (whole) JSON, else base64. */
function decodeResult(row: CallRow): unknown {
  if (row.result === null) return undefined;
  if (!row.result_truncated && row.result_type && /\bjson\b/i.test(row.result_type)) {
    try {
      return JSON.parse(row.result.toString('utf8'));
    } catch {
      // Says JSON but is not: fall through to the raw bytes.
    }
  }
  return row.result.toString('base64');
}

export function toStatus(row: CallRow): AsyncStatus {
  const s: AsyncStatus = {
    callId: row.call_id,
    functionName: row.function_name,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
  };
  if (row.status_code !== null) s.statusCode = row.status_code;
  const result = decodeResult(row);
  if (result !== undefined) s.result = result;
  if (row.result_truncated) s.resultTruncated = true;
  if (row.result_bytes !== null) s.resultBytes = row.result_bytes;
  if (row.error !== null) s.error = row.error;
  const startedAt = iso(row.started_at);
  if (startedAt) s.startedAt = startedAt;
  const finishedAt = iso(row.finished_at);
  if (finishedAt) s.finishedAt = finishedAt;
  if (row.duration_seconds !== null) s.durationSeconds = row.duration_seconds;
  if (row.callback_status !== null) s.callbackStatus = row.callback_status;
  return s;
}

/** Rebuilds the request a row was enqueued with. */
export function toRequest(row: CallRow): AsyncRequest {
  const req: AsyncRequest = {
    functionName: row.function_name,
    method: row.method,
    path: row.path,
    query: JSON.parse(row.query) as Record<string, string>,
    headers: JSON.parse(row.headers) as Record<string, string>,
    body: row.body,
    callId: row.call_id,
  };
  if (row.callback_url) req.callbackUrl = row.callback_url;
  return req;
}
