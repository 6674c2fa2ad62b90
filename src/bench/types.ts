// Plain data types of a benchmark run: what the load generator measures, what a run directory
// holds, and what the plot and study code read back. No behaviour lives here.

/** How the load is applied at one level. */
export type LoadMode = 'closed' | 'open';
export type Arrival = 'constant' | 'poisson';

/** One HTTP request as sent and answered (or failed). Times are ms since the epoch (floats). */
export interface RequestRecord {
  /** When the request was meant to go out: the actual send time in closed loop, the schedule in open loop. */
  start: number;
  /** When the request was actually handed to the HTTP client (equals `start` in closed loop). */
  sent: number;
  end: number;
  /** end - start: in open loop this includes any wait behind a stalled server (no coordinated omission). */
  latencyMs: number;
  /** Time to the response headers, from `start`. */
  firstByteMs: number;
  /** HTTP status, 0 when there was no response. */
  status: number;
  /** Response body bytes. */
  bytes: number;
  sentBytes: number;
  /** From X-Faasml-Cold-Start when the server sends it. */
  coldStart: boolean | null;
  /** From X-Faasml-Instance when the server sends it. */
  instance: string | null;
  /** Empty when the request succeeded (2xx); otherwise what went wrong. */
  error: string;
  /** A short class of the error: http_<status>, timeout, refused, tls, reset, overload, other. */
  errorKind: string;
  /** Threads (closed loop) or requests per second (open loop). */
  level: number;
  /** Closed loop: the thread's index; open loop: -1. */
  thread: number;
  /** Threads active when the request started (closed loop), outstanding requests (open loop). */
  activeThreads: number;
}

/** One reading of the server and the machine, every 250 ms while a level runs. */
export interface Sample {
  /** ms since the epoch. */
  t: number;
  level: number;
  /** Platform CPU (gateway + instances) as a share of ALL cores, 0..1; null when unknown. */
  cpuPlatform: number | null;
  /** Whole-machine CPU from /proc/stat, share of all cores, 0..1; null when unavailable. */
  cpuMachine: number | null;
  /** The generator's own CPU as a share of ONE core since the last sample. */
  cpuGenerator: number;
  /** Resident memory of the platform processes, bytes; null when unknown. */
  rssBytes: number | null;
  /** Instances by state (from faasml_instances), null when unknown. */
  instances: number | null;
  instancesByState: Record<string, number> | null;
  /** Requests waiting in the platform (faasml_queue_depth), null when unknown. */
  queueDepth: number | null;
  /** Where the CPU figure came from: proc (pids from the gateway), metrics, mixed (gateway from proc, instances from metrics), or none. */
  cpuSource: 'proc' | 'metrics' | 'mixed' | 'none';
}

export interface LatencyStats {
  avg: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** One row of a cost estimate (see cost.ts). */
export interface CostRow {
  platform: string;
  plan: string;
  memoryMbBilled: number;
  billedDurationMs: number;
  gbSeconds: number;
  computeUsd: number;
  requestUsd: number;
  totalUsd: number;
}

/** Per-level summary of the requests that started after the warm-up. */
export interface LevelSummary {
  mode: LoadMode;
  level: number;
  requests: number;
  successes: number;
  errors: number;
  errorPct: number;
  errorsByKind: Record<string, number>;
  /** A few distinct error texts, for the reader. */
  errorExamples: string[];
  /** Completed requests per second over the measured window. */
  throughput: number;
  /** Latency of successful requests in ms (all requests when none succeeded). */
  latency: LatencyStats;
  coldStarts: number;
  instancesSeen: number;
  measuredSeconds: number;
  /** The generator's CPU as a share of one core over the level. */
  generatorCpu: number;
  generatorSaturated: boolean;
  /** Open loop: requests that could not be sent because too many were outstanding. */
  notSent: number;
  /** Requests cut short by Ctrl-C (not counted as errors). */
  interrupted: number;
  cpuPlatformAvg: number | null;
  cpuMachineAvg: number | null;
  rssMaxBytes: number | null;
  instancesMax: number | null;
  queueDepthMax: number | null;
  /** Estimated cost per million requests at the average latency (see cost.ts). */
  costPerMillion: CostRow[];
}

export interface TargetInfo {
  url: string;
  method: string;
  /** Header names only (values may be secrets). */
  headerNames: string[];
  functionName: string | null;
  gateway: string | null;
  bodyKind: 'none' | 'string' | 'file' | 'template' | 'default';
  bodyBytes: number;
}

export interface EnvironmentInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  tfjs: string | null;
  faasml: string;
}

export interface RunSettings {
  label: string;
  mode: LoadMode;
  levels: number[];
  durationMs: number | null;
  iterations: number | null;
  warmupMs: number;
  rampUpMs: number;
  thinkTimeMs: number;
  arrival: Arrival;
  timeoutMs: number;
  maxOutstanding: number;
  memoryMb: number;
  seed: number;
}

/** Everything a run measured; `writeRun` stores it and `loadRun` reads it back. */
export interface RunResult {
  id: string;
  settings: RunSettings;
  target: TargetInfo;
  environment: EnvironmentInfo;
  /** False when only the client's view is known (a remote target). */
  serverMetrics: boolean;
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  warnings: string[];
  levels: LevelSummary[];
  requests: RequestRecord[];
  samples: Sample[];
}
