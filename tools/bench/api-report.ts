/** The API benchmark's steps as the load generator reports them, and the table they are shown in. */

export type LoadRoute = 'recommendations' | 'health';

export interface LoadStep {
  name: string;
  route: LoadRoute;
  /** open: requests sent at `rate` on a fixed schedule; closed: `connections` loops, each sending when its last answer came */
  mode: 'open' | 'closed';
  rate?: number;
  connections?: number;
  seconds: number;
  /** a warm-up step is run but not reported */
  warmup?: boolean;
}

/** What the load generator (load-gen.ts) is asked to do. */
export interface LoadPlan {
  url: string;
  /** known user ids are 1..users */
  users: number;
  unknownShare: number;
  zipfS: number;
  seed: number;
  /** `limit` of the recommendations asked for */
  limit: number;
  /** headers of every request: the bench's API key (read scope), as a host backend sends it */
  headers: Record<string, string>;
  /** open loop: sockets at most (requests beyond them wait in the agent, and that wait counts) */
  sockets: number;
  /** a request unanswered this long is a socket error */
  timeoutMs: number;
  /** open loop: requests outstanding at most; one due beyond that is counted as an error, not sent */
  maxOutstanding: number;
  steps: LoadStep[];
}

/** What the load generator (load-gen.ts) measured in one step. */
export interface LoadResult {
  step: LoadStep;
  /** offered req/s (open loop), null for closed loop */
  offered: number | null;
  /** 2xx answers per second, from the step's start to its last answer */
  achieved: number;
  sent: number;
  ok: number;
  non2xx: number;
  /** connection errors and requests that timed out */
  socketErrors: number;
  /** the same by kind (reset, closed, timeout, refused, malformed, over-outstanding) */
  errors?: Record<string, number>;
  /** of the 2xx answers, ms: open loop from each request's scheduled time, closed loop from its send */
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** open loop: how late the generator itself sent (p99, ms); latency includes it */
  sendLagP99: number | null;
  /** cores the load generator used */
  loadGenCpu: number;
  /** the load generator's own longest event-loop delay in the step (ms): how long an answer may have waited in it */
  loadGenLoopDelayMaxMs?: number;
}

/**
 * What held up the API's event loop during a step: waiting for a core (its main thread's run-queue
 * wait, /proc/<pid>/schedstat), its longest delay (event-loop lag max) and its garbage collections
 * (both from the API's /metrics). Undefined where the API could not be read.
 */
export interface ApiStalls {
  runQueueWaitMs?: number;
  loopDelayMaxMs?: number;
  gcMs?: number;
  /** speed rows the API read from Cassandra (its speed view's misses) */
  speedReads?: number;
  /** of the step route's answers, the share the API itself took over 20 ms (its own latency histogram) */
  slowShare?: number;
}

/** A step with what the API process cost meanwhile (from /proc and its /metrics). */
export interface StepReport extends LoadResult {
  api: { cpu: number; rssMb: number; peakRssMb: number } & ApiStalls;
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export function formatTable(steps: readonly StepReport[]): string {
  const rows = steps.map((s) => {
    const us = cpuPerAnswerUs(s);
    return [
      s.step.route === 'health' ? 'GET /health' : 'GET /users/:id/recommendations',
      s.step.mode === 'open' ? `open ${n0(s.step.rate ?? 0)}/s` : `closed ${s.step.connections} conn`,
      s.offered === null ? '–' : n0(s.offered),
      n0(s.achieved),
      ms(s.p50),
      ms(s.p99),
      ms(s.p999),
      String(s.non2xx),
      socketErrorsCell(s),
      s.api.cpu.toFixed(2),
      us === null ? '–' : n0(us),
      n0(s.api.rssMb),
      s.loadGenCpu.toFixed(2),
      s.sendLagP99 === null ? '–' : ms(s.sendLagP99),
      s.loadGenLoopDelayMaxMs === undefined ? '–' : ms(s.loadGenLoopDelayMaxMs),
      s.api.runQueueWaitMs === undefined ? '–' : n0(s.api.runQueueWaitMs),
      s.api.loopDelayMaxMs === undefined ? '–' : ms(s.api.loopDelayMaxMs),
      s.api.gcMs === undefined ? '–' : n0(s.api.gcMs),
      s.api.speedReads === undefined ? '–' : n0(s.api.speedReads),
      s.api.slowShare === undefined ? '–' : `${(s.api.slowShare * 100).toFixed(2)}%`,
    ];
  });
  return [
    '| route | load | offered req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | non-2xx | socket errors | API CPU (cores) | API CPU µs per answer | API RSS MB | load-gen CPU | send lag p99 ms | load-gen loop delay max ms | API waited for a core ms | API loop delay max ms | API GC ms | speed rows read | API-side over 20 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** the step's failed requests, by kind when there were any: "21 (reset 20, timeout 1)" */
export function socketErrorsCell(s: Pick<LoadResult, 'socketErrors' | 'errors'>): string {
  const kinds = Object.entries(s.errors ?? {}).filter(([, n]) => n > 0);
  if (s.socketErrors === 0 || kinds.length === 0) return String(s.socketErrors);
  return `${s.socketErrors} (${kinds.map(([kind, n]) => `${kind} ${n}`).join(', ')})`;
}

/**
 * The API's CPU time per answer of a step (µs), or null without answers. Less bound to how the
 * cores were shared than the rate is, so a change of the hot path shows here first, though a slower
 * machine raises it too (the CPU check).
 */
export function cpuPerAnswerUs(s: StepReport): number | null {
  return s.achieved > 0 ? (s.api.cpu * 1e6) / s.achieved : null;
}

/** the route's closed-loop step that answered most, if any: both ratios below are taken from it */
function closedMax(steps: readonly StepReport[], route: LoadRoute): StepReport | undefined {
  let best: StepReport | undefined;
  for (const s of steps) if (s.step.mode === 'closed' && s.step.route === route && (!best || s.achieved > best.achieved)) best = s;
  return best;
}

/** /health's CPU per closed-loop answer over the recommendations' (the cost side of the ratio below), or null without both */
export function closedLoopCostRatio(steps: readonly StepReport[]): number | null {
  const health = closedMax(steps, 'health');
  const recommendations = closedMax(steps, 'recommendations');
  const [h, r] = [health && cpuPerAnswerUs(health), recommendations && cpuPerAnswerUs(recommendations)];
  return h != null && r != null && r > 0 ? h / r : null;
}

/** closed-loop maximum of the recommendations route over that of /health in the same run */
export function closedLoopRatio(steps: readonly StepReport[]): number | null {
  const health = closedMax(steps, 'health')?.achieved ?? 0;
  return health > 0 ? (closedMax(steps, 'recommendations')?.achieved ?? 0) / health : null;
}
