/**
 * Prometheus metrics of the API through prom-client, in a registry of its own per app (several
 * apps in one process, as in the tests, do not clash), and the last minute in one line for status
 * displays: a ring of one small latency histogram per second, so a request costs a few increments
 * and reading the summary sums at most 60 of them.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { createLatencyHistogram, type LatencyHistogram } from '../lib/latency-histogram.ts';

/** seconds; 0.02 is the serving goal's p99 (docs/serving.md) */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface Metrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  count(name: string, help: string, labels?: Record<string, string>): void;
  /** a value read when the metrics are scraped (a component's own statistics) */
  gauge(name: string, help: string, read: () => number): void;
  /** labelled values read when the metrics are scraped: one series per entry */
  gauges(name: string, help: string, labelNames: readonly string[], read: () => { labels: Record<string, string>; value: number }[]): void;
  /** requests in the last minute and their p50/p99 in ms (for status displays) */
  recent(): { perSecond: number; p50Ms: number; p99Ms: number };
  /** the Prometheus text exposition */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics({
  now = Date.now,
  windowS = 60,
  processMetrics = false,
}: {
  now?: () => number;
  /** how far back `recent` looks */
  windowS?: number;
  /** also the process's own metrics (resident memory, CPU, event-loop lag, GC) */
  processMetrics?: boolean;
} = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer, by route.',
    labelNames: ['route'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const counters = new Map<string, Counter>();

  // slot s % windowS holds the requests of second s; a slot found holding an older second is reset
  const ring = Array.from({ length: windowS }, () => ({ second: -1, latency: createLatencyHistogram({ precision: 0.02 }) }));
  const slotOf = (second: number) => ring[second % windowS]!;

  return {
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      durations.observe({ route }, seconds);
      const second = Math.floor(now() / 1000);
      const slot = slotOf(second);
      if (slot.second !== second) {
        slot.second = second;
        slot.latency.reset();
      }
      slot.latency.record(seconds * 1000);
    },
    count(name, help, labels = {}) {
      let counter = counters.get(name);
      if (!counter) {
        counter = new Counter({ name, help, labelNames: Object.keys(labels), registers: [registry] });
        counters.set(name, counter);
      }
      counter.inc(labels);
    },
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
    gauges(name, help, labelNames, read) {
      new Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        collect() {
          this.reset();
          for (const { labels, value } of read()) this.set(labels, value);
        },
      });
    },
    recent() {
      const second = Math.floor(now() / 1000);
      const sum: LatencyHistogram = createLatencyHistogram({ precision: 0.02 });
      for (const slot of ring) if (slot.second > second - windowS && slot.second <= second) sum.add(slot.latency);
      return { perSecond: sum.count / windowS, p50Ms: sum.percentile(0.5), p99Ms: sum.percentile(0.99) };
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
