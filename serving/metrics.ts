/** Prometheus metrics of the API, in the text exposition format (no client library needed). */

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface Metrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  count(name: string, help: string, labels?: Record<string, string>): void;
  /** requests in the last minute and their p50/p99 in ms (for status displays) */
  recent(): { perSecond: number; p50Ms: number; p99Ms: number };
  render(): string;
}

const labelText = (labels: Record<string, string>) =>
  Object.keys(labels).length === 0
    ? ''
    : `{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
        .join(',')}}`;

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  const histograms = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const counters = new Map<string, { help: string; values: Map<string, number> }>();
  const window: { at: number; ms: number }[] = [];

  return {
    observeRequest(method, route, status, seconds) {
      const key = labelText({ method, route, status: String(status) });
      requests.set(key, (requests.get(key) ?? 0) + 1);
      const hKey = labelText({ route });
      const h = histograms.get(hKey) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      BUCKETS.forEach((b, i) => {
        if (seconds <= b) h.buckets[i]!++;
      });
      h.sum += seconds;
      h.count++;
      histograms.set(hKey, h);
      const now = Date.now();
      window.push({ at: now, ms: seconds * 1000 });
      while (window.length > 0 && (window[0]!.at < now - 60_000 || window.length > 100_000)) window.shift();
    },
    count(name, help, labels = {}) {
      const c = counters.get(name) ?? { help, values: new Map() };
      const key = labelText(labels);
      c.values.set(key, (c.values.get(key) ?? 0) + 1);
      counters.set(name, c);
    },
    recent() {
      const now = Date.now();
      const last = window
        .filter((w) => w.at >= now - 60_000)
        .map((w) => w.ms)
        .sort((a, b) => a - b);
      const pick = (p: number) => (last.length === 0 ? 0 : last[Math.min(last.length - 1, Math.floor(p * last.length))]!);
      return { perSecond: last.length / 60, p50Ms: pick(0.5), p99Ms: pick(0.99) };
    },
    render() {
      const lines = ['# HELP http_requests_total HTTP requests by method, route and status.', '# TYPE http_requests_total counter'];
      for (const [k, v] of requests) lines.push(`http_requests_total${k} ${v}`);
      lines.push('# HELP http_request_duration_seconds Time to answer, by route.', '# TYPE http_request_duration_seconds histogram');
      for (const [k, h] of histograms) {
        const route = k.slice(1, -1);
        for (const [i, b] of BUCKETS.entries()) lines.push(`http_request_duration_seconds_bucket{${route},le="${b}"} ${h.buckets[i]}`);
        lines.push(`http_request_duration_seconds_bucket{${route},le="+Inf"} ${h.count}`);
        lines.push(`http_request_duration_seconds_sum${k} ${h.sum}`, `http_request_duration_seconds_count${k} ${h.count}`);
      }
      for (const [name, c] of counters) {
        lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
        for (const [k, v] of c.values) lines.push(`${name}${k} ${v}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
