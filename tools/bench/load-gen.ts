/**
 * The load generator of `npm run bench:api`, run as a process of its own (so its work is not the
 * API's, and its CPU is measured apart): it takes a plan as JSON in its first argument, runs the
 * steps in order, and writes one JSON line per event on stdout: `{"type":"start","index":i}` as a
 * step starts, `{"type":"result","index":i,"result":LoadResult}` when it ends, `{"type":"done"}`.
 *
 * Open loop: request i of a step is sent at start + i/rate by a timer, whatever became of the
 * requests before it, and its latency is measured from that scheduled time (so queueing behind a
 * slow server or a late timer counts: no coordinated omission). Closed loop: `connections` loops
 * each send the next request when the last one answered, which gives the maximum throughput.
 * Over keep-alive sockets (http-get-pool.ts, lighter than node:http's client); every 2xx latency
 * goes into a log-bucket histogram, and every failed request is counted by its kind.
 *
 *   node --import tsx tools/bench/load-gen.ts '{"url":"http://127.0.0.1:3100","users":610,...}'
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLatencyHistogram } from '../../lib/latency-histogram.ts';
import type { LoadPlan, LoadResult, LoadStep } from './api-report.ts';
import { createGetPool, type GetError, type GetOutcome } from './http-get-pool.ts';
import { dueAt, dueBy } from './schedule.ts';
import { createUserPicker } from './zipf.ts';

const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;
const target = new URL(plan.url);
const pickUser = createUserPicker({ users: plan.users, unknownShare: plan.unknownShare, s: plan.zipfS, seed: plan.seed });
const pathOf = (step: LoadStep) => (step.route === 'health' ? '/health' : `/users/${pickUser()}/recommendations?limit=${plan.limit}`);
const emit = (event: unknown) => process.stdout.write(`${JSON.stringify(event)}\n`);
const pool = (sockets: number) =>
  createGetPool({ host: target.hostname, port: Number(target.port), headers: plan.headers, maxSockets: sockets, timeoutMs: plan.timeoutMs });
// this process's own pauses: a late answer may have waited here, not in the API
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

function tally(step: LoadStep) {
  const latency = createLatencyHistogram();
  const counts = { sent: 0, ok: 0, non2xx: 0, socketErrors: 0, lastEnd: 0 };
  const errors: Partial<Record<GetError | 'over-outstanding', number>> = {};
  const cpuBefore = process.cpuUsage();
  loopDelay.reset();
  const startedAt = performance.now();
  return {
    latency,
    counts,
    startedAt,
    error(kind: GetError | 'over-outstanding') {
      counts.socketErrors++;
      errors[kind] = (errors[kind] ?? 0) + 1;
    },
    record(outcome: GetOutcome, from: number) {
      const end = performance.now();
      counts.lastEnd = end;
      if (typeof outcome === 'string') this.error(outcome);
      else if (outcome >= 200 && outcome < 300) {
        counts.ok++;
        latency.record(end - from);
      } else counts.non2xx++;
    },
    result(offered: number | null, sendLagP99: number | null): LoadResult {
      const seconds = Math.max(step.seconds, (counts.lastEnd - startedAt) / 1000);
      const cpu = process.cpuUsage(cpuBefore);
      return {
        step,
        offered,
        achieved: counts.ok / seconds,
        sent: counts.sent,
        ok: counts.ok,
        non2xx: counts.non2xx,
        socketErrors: counts.socketErrors,
        errors,
        p50: latency.percentile(0.5),
        p99: latency.percentile(0.99),
        p999: latency.percentile(0.999),
        max: latency.maxMs,
        sendLagP99,
        loadGenCpu: (cpu.user + cpu.system) / 1e6 / ((performance.now() - startedAt) / 1000),
        loadGenLoopDelayMaxMs: loopDelay.max / 1e6,
      };
    },
  };
}

async function openLoop(step: LoadStep): Promise<LoadResult> {
  const rate = step.rate ?? 0;
  const total = Math.round(rate * step.seconds);
  const client = pool(plan.sockets);
  const t = tally(step);
  const lag = createLatencyHistogram();
  let outstanding = 0;
  let finished = 0;
  await new Promise<void>((resolve) => {
    if (total === 0) return resolve();
    const settle = () => {
      finished++;
      if (finished === total) resolve();
    };
    const tick = () => {
      const now = performance.now();
      const due = dueBy(now - t.startedAt, rate, total);
      while (t.counts.sent < due) {
        const scheduled = t.startedAt + dueAt(t.counts.sent, rate);
        lag.record(now - scheduled);
        t.counts.sent++;
        if (outstanding >= plan.maxOutstanding) {
          t.error('over-outstanding');
          settle();
          continue;
        }
        outstanding++;
        client.get(pathOf(step), (outcome) => {
          outstanding--;
          t.record(outcome, scheduled);
          settle();
        });
      }
      if (t.counts.sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  client.close();
  return t.result(rate, lag.percentile(0.99));
}

async function closedLoop(step: LoadStep): Promise<LoadResult> {
  const connections = step.connections ?? 1;
  const client = pool(connections);
  const t = tally(step);
  const end = t.startedAt + step.seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const from = performance.now();
        t.counts.sent++;
        const outcome = await new Promise<GetOutcome>((resolve) => client.get(pathOf(step), resolve));
        t.record(outcome, from);
      }
    }),
  );
  client.close();
  return t.result(null, null);
}

for (const [index, step] of plan.steps.entries()) {
  emit({ type: 'start', index });
  const result = step.mode === 'open' ? await openLoop(step) : await closedLoop(step);
  emit({ type: 'result', index, result });
}
emit({ type: 'done' });
