// Prometheus metrics of one platform, in its own prom-client Registry (several platforms can
// live in one process: tests, notebooks). Names follow the OpenFaaS gateway, plus faasml_*.
// Hot-path counters are bound once per label set so a request does no label hashing.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStatus } from './function-pool.js';

type Bound = { inc(n?: number): void };
type BoundHistogram = { observe(v: number): void };

export class PlatformMetrics {
  readonly registry = new Registry();
  private readonly invocations: Counter<'function_name' | 'code'>;
  private readonly seconds: Histogram<'function_name' | 'code'>;
  private readonly started: Counter<'function_name'>;
  private readonly coldStarts: Counter<'function_name'>;
  private readonly cpu: Counter<'function_name' | 'instance'>;
  private readonly rss: Gauge<'function_name' | 'instance'>;
  private readonly bound = new Map<string, { count: Bound; seconds: BoundHistogram }>();
  private readonly startedBound = new Map<string, Bound>();

  constructor(pools: () => PoolStatus[]) {
    const registers = [this.registry];
    this.invocations = new Counter({ name: 'gateway_function_invocation_total', help: 'Function invocations by status code', labelNames: ['function_name', 'code'], registers });
    this.seconds = new Histogram({
      name: 'gateway_functions_seconds',
      help: 'Function invocation time taken',
      labelNames: ['function_name', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.started = new Counter({ name: 'gateway_function_invocation_started', help: 'Function invocations started', labelNames: ['function_name'], registers });
    this.coldStarts = new Counter({ name: 'faasml_cold_starts_total', help: 'Requests that waited for a new instance to start', labelNames: ['function_name'], registers });
    this.cpu = new Counter({ name: 'faasml_instance_cpu_seconds_total', help: 'CPU time (user+system) of each instance process', labelNames: ['function_name', 'instance'], registers });
    this.rss = new Gauge({ name: 'faasml_instance_rss_bytes', help: 'Resident memory of each instance process', labelNames: ['function_name', 'instance'], registers });
    new Gauge({
      name: 'gateway_service_count',
      help: 'Replicas of each function',
      labelNames: ['function_name'],
      registers,
      collect() {
        this.reset();
        for (const p of pools()) this.set({ function_name: p.name }, p.replicas);
      },
    });
    new Gauge({
      name: 'faasml_instances',
      help: 'Instances by state',
      labelNames: ['function_name', 'state'],
      registers,
      collect() {
        this.reset();
        for (const p of pools()) {
          this.set({ function_name: p.name, state: 'ready' }, p.ready);
          this.set({ function_name: p.name, state: 'starting' }, p.starting);
        }
      },
    });
    new Gauge({
      name: 'faasml_queue_depth',
      help: 'Requests waiting for an instance',
      labelNames: ['function_name'],
      registers,
      collect() {
        this.reset();
        for (const p of pools()) this.set({ function_name: p.name }, p.queued);
      },
    });
  }

  invocationStarted(fn: string): void {
    let b = this.startedBound.get(fn);
    if (!b) this.startedBound.set(fn, (b = this.started.labels(fn)));
    b.inc();
  }

  invocationDone(fn: string, code: number, seconds: number): void {
    const key = `${fn} ${code}`;
    let b = this.bound.get(key);
    if (!b) this.bound.set(key, (b = { count: this.invocations.labels(fn, String(code)), seconds: this.seconds.labels(fn, String(code)) }));
    b.count.inc();
    b.seconds.observe(seconds);
  }

  coldStart(fn: string): void {
    this.coldStarts.labels(fn).inc();
  }

  instanceSample(fn: string, instance: string, cpuDelta: number, rssBytes: number): void {
    if (cpuDelta > 0) this.cpu.labels(fn, instance).inc(cpuDelta);
    this.rss.labels(fn, instance).set(rssBytes);
  }

  instanceGone(fn: string, instance: string): void {
    this.rss.remove(fn, instance);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
