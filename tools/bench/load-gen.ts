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
 * Over node:http with a keep-alive agent; every 2xx latency goes into a log-bucket histogram.
 *
 *   node --import tsx tools/bench/load-gen.ts '{"url":"http://127.0.0.1:3100","users":610,...}'
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLatencyHistogram } from '../../lib/latency-histogram.ts';
import type { LoadPlan, LoadResult, LoadStep } from './api-report.ts';
import { dueAt, dueBy } from './schedule.ts';
import { createUserPicker } from './zipf.ts';

type Outcome = number | 'error';

const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;
const target = new URL(plan.url);
const pickUser = createUserPicker({ users: plan.users, unknownShare: plan.unknownShare, s: plan.zipfS, seed: plan.seed });
const pathOf = (step: LoadStep) => (step.route === 'health' ? '/health' : `/users/${pickUser()}/recommendations?limit=${plan.limit}`);
const emit = (event: unknown) => process.stdout.write(`${JSON.stringify(event)}\n`);
// this process's own pauses: a late answer may have waited here, not in the API
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();

function send(agent: http.Agent, path: string, done: (outcome: Outcome) => void) {
  let settled = false;
  const finish = (outcome: Outcome) => {
    if (settled) return;
    settled = true;
    done(outcome);
  };
  const req = http.request({ host: target.hostname, port: target.port, path, agent, method: 'GET', headers: plan.headers }, (res) => {
    res.on('end', () => finish(res.statusCode ?? 0));
    res.on('error', () => finish('error'));
    res.resume();
  });
  req.setTimeout(plan.timeoutMs, () => req.destroy(new Error('timed out')));
  req.on('error', () => finish('error'));
  req.end();
}

function tally(step: LoadStep) {
  const latency = createLatencyHistogram();
  const counts = { sent: 0, ok: 0, non2xx: 0, socketErrors: 0, lastEnd: 0 };
  const cpuBefore = process.cpuUsage();
  loopDelay.reset();
  const startedAt = performance.now();
  return {
    latency,
    counts,
    startedAt,
    record(outcome: Outcome, from: number) {
      const end = performance.now();
      counts.lastEnd = end;
      if (outcome === 'error') counts.socketErrors++;
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
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.sockets, maxFreeSockets: plan.sockets });
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
          t.counts.socketErrors++;
          settle();
          continue;
        }
        outstanding++;
        send(agent, pathOf(step), (outcome) => {
          outstanding--;
          t.record(outcome, scheduled);
          settle();
        });
      }
      if (t.counts.sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  return t.result(rate, lag.percentile(0.99));
}

async function closedLoop(step: LoadStep): Promise<LoadResult> {
  const connections = step.connections ?? 1;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const t = tally(step);
  const end = t.startedAt + step.seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const from = performance.now();
        t.counts.sent++;
        const outcome = await new Promise<Outcome>((resolve) => send(agent, pathOf(step), resolve));
        t.record(outcome, from);
      }
    }),
  );
  agent.destroy();
  return t.result(null, null);
}

for (const [index, step] of plan.steps.entries()) {
  emit({ type: 'start', index });
  const result = step.mode === 'open' ? await openLoop(step) : await closedLoop(step);
  emit({ type: 'result', index, result });
}
emit({ type: 'done' });
