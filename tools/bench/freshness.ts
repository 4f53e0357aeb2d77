/**
 * Speed-layer freshness benchmark: from a rating produced to Kafka until that user's speed row is
 * readable in Cassandra, under background load on a ladder of rates, with the model of a real batch
 * run on the chosen dataset (at 32M: 87,585 movies scored per event, histories of up to thousands
 * of ratings read from Cassandra on a user's first sight).
 *
 * - Background: a process of its own (rating-load.ts) produces ratings open loop at each rate, for
 *   users Zipf-drawn (s = 1; --zipf 0 is uniform) over all the dataset's users; the same users are
 *   busy in every step (the ranks are the run's, the draws the step's), as in a stream.
 * - Probes: open loop, --probe-rate per second (50) on a fixed schedule, each a rating for a user
 *   of a pool the background never rates (--probe-users, 1,000 spread over the ids, at most a
 *   fifth of the users), so the row a probe waits for is computed from the probe. The warm-up rates
 *   every pool user once: their first sight (history read from Cassandra), reported on a line of
 *   its own; the ladder's probes find them in the job's state. A probe's latency runs from its
 *   scheduled send time until a poll of the speed row shows a computed_at at or after its send
 *   (rows polled together every 20 ms, every N ms with N probes outstanding, at most 200 ms: so at
 *   most that much observation delay).
 * - Baseline in the same run: Kafka's own round trip, a plain consumer of the topic seeing each probe.
 * - Cost per step, while its load runs: the cores each local engine used (/proc; none on an
 *   external stack), the requests Cassandra served per background rating (system_views) and the
 *   users the job seeded per second (first sights: each a history read; the job's usersSeeded).
 * - Ladder: --seconds per rate (45, the first 5 not counted: 2,000 probes at 50/s); a rate is
 *   sustained when the load generator kept it, no probe was lost (30 s timeout), p99 is under
 *   --p99-limit (1,000 ms), and so is the backlog the step left: as its load stops, ratings go to 16
 *   more pool users, and the step waits until all are served (the next step starts on a drained job).
 *   The ladder stops after the first rate that is not sustained (--keep-going runs them all).
 *
 * The speed job runs fresh (no state) on topics of its own, and the warm-up waits until Cassandra
 * compacts nothing (what earlier runs wrote). ml-latest-small runs in bench_speed; another dataset
 * in the keyspace and model that bench:api trains (bench-model.ts). Each run first puts the
 * Cassandra histories of the users it rates most back to the dataset's (reset-histories.ts: every
 * user of ml-latest-small; else the probe pool and the background's --reset-busiest top ranks,
 * 2,000), so that the ratings earlier runs added do not make a run's fold-ins heavier.
 * Prints a table and writes bench-results/freshness-<time>.{md,json}.
 *
 *   npm run bench:freshness [-- --dataset ml-latest-small --ladder 500,1000,2000,3000,4000,6000]
 *   npm run bench:freshness -- --dataset data/generated/generated-32m-s42
 *   npm run bench:freshness -- --nice=-10     (the bench's own processes ahead of the engines; root)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../infra/config.ts';
import { listStackProcesses } from '../../infra/process.ts';
import { platformOf } from '../../infra/platform.ts';
import { createRatingSink } from '../../ingest/rating-sink.ts';
import { ensureTopics } from '../../lib/kafka-admin.ts';
import { cassandraClient, kafkaClient } from '../../lib/platform.ts';
import { createLatencyHistogram, type LatencyHistogram } from '../../lib/latency-histogram.ts';
import { parseNice, raisePriority } from '../../lib/scheduling.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { createControlPlane } from '../../speed/control-plane.ts';
import { loadJobsConfig, speedJobName } from '../../speed/jobs.ts';
import { benchModel, ensureBenchModel } from './bench-model.ts';
import { cpuCheckMs } from './cpu-check.ts';
import { maxUserId } from './dataset-users.ts';
import { createRandomRatings } from './random-rating.ts';
import { createProbeCycle, probePool, type StepOutcome, sustained, usersToReset } from './freshness-plan.ts';
import { resetHistories } from './reset-histories.ts';
import { clockTicksPerSecond, coresEach, sampleEach } from './proc-stats.ts';
import type { RatingLoadPlan } from './rating-load.ts';
import { dueAt, dueBy } from './schedule.ts';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-latest-small' },
    keyspace: { type: 'string' },
    model: { type: 'string' },
    users: { type: 'string' },
    ladder: { type: 'string', default: '500,1000,2000,3000,4000,6000' },
    seconds: { type: 'string', default: '45' },
    warmup: { type: 'string', default: '30' },
    'probe-rate': { type: 'string', default: '50' },
    'probe-users': { type: 'string', default: '1000' },
    zipf: { type: 'string', default: '1' },
    'reset-busiest': { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    'p99-limit': { type: 'string', default: '1000' },
    'keep-going': { type: 'boolean', default: false },
    nice: { type: 'string', default: '0' },
  },
});
const ladder = values.ladder.split(',').map(Number);
const seconds = Number(values.seconds);
const warmupSeconds = Number(values.warmup);
const probeRate = Number(values['probe-rate']);
const zipfS = Number(values.zipf);
const seed = Number(values.seed);
const p99Limit = Number(values['p99-limit']);
if (ladder.some((r) => !(r > 0)) || !(seconds > 5) || !(warmupSeconds > 0) || !(probeRate > 0) || !(zipfS >= 0) || !(Number(values['reset-busiest']) >= 0))
  throw new Error('--ladder rates and --probe-rate must be positive, --seconds over 5, --warmup positive, --zipf and --reset-busiest 0 or more');
const nice = parseNice(values.nice);
// --nice: this process's session (the probes, their polls, Kafka's own round trip and the load
// generator) ahead of the engines; they stand for clients on machines of their own, so that their
// waits for a core are not counted as the speed layer's. The engines keep their priority.
if (nice !== 0) raisePriority(process.pid, nice);
const COUNT_FROM_MS = 5000;
const PROBE_TIMEOUT_MS = 30_000;

const target = await benchModel({ dataset: values.dataset, keyspace: values.keyspace, model: values.model });
const { dataset, small, slug } = target;
const env = {
  ...process.env,
  ...target.env,
  // the speed job and topics of this bench (ml-latest-small's are shared with bench:api there)
  JOBS_NAME_PREFIX: small ? 'bench-' : `bench-fresh-${slug.replace(/_/g, '-')}-`,
  JOBS_TOPIC_RATINGS: small ? 'bench_ratings' : `bench_fresh_${slug}_ratings`,
  JOBS_TOPIC_DLQ: small ? 'bench_ratings_dlq' : `bench_fresh_${slug}_dlq`,
  JOBS_STARTING_OFFSETS: 'latest',
};
const stack = loadConfig(env);
const jobs = loadJobsConfig(env);
const topic = jobs.topics.ratings;
const log = (line: string) => console.log(line);

await ensureBenchModel(target, stack, env);
const users = Number(values.users ?? (await maxUserId(path.join(dataset.dir, 'ratings.csv'))));
// at most a fifth of the users, so the background has the rest
const pool = probePool(users, Math.min(Number(values['probe-users']), Math.floor(users / 5)));
const cycle = createProbeCycle(pool.ids, seed);
const movies = fs
  .readFileSync(path.join(dataset.dir, 'movies.csv'), 'utf8')
  .split('\n')
  .slice(1)
  .map((l) => Number(l.split(',')[0]))
  .filter((n) => n > 0);
const cql = cassandraClient(stack, stack.cassandra.keyspace);
// probes (and the first rating) rate a movie 4 of 5, drawn from the catalogue
const probeRating = createRandomRatings({ movies, seed, source: 'GENERATOR' });

// every run starts from the dataset's histories of the users it rates most (earlier runs added to
// them): every user of ml-latest-small; the probe pool and the background's busiest ranks of a
// larger set (reset-histories.ts)
const toReset = small ? undefined : usersToReset({ users, s: zipfS, rankSeed: seed, busiest: Number(values['reset-busiest']), pool: pool.ids });
log(`resetting the user_ratings of ${toReset ? `${toReset.size.toLocaleString('en-US')} users` : 'every user'} to the dataset's (a pass over its ratings.csv)`);
const reset = await resetHistories(cql, stack.cassandra.keyspace, path.join(dataset.dir, 'ratings.csv'), toReset);
log(
  `user_ratings of ${reset.users.toLocaleString('en-US')} users reset to the dataset's ${reset.rows.toLocaleString('en-US')} ratings in ${reset.seconds.toFixed(1)} s`,
);

const kafka = kafkaClient(stack, 'moviereco-bench-freshness');
await ensureTopics(kafka, [
  { topic, partitions: 4 },
  { topic: jobs.topics.dlq, partitions: 1 },
]);
const plane = createControlPlane({ platform: platformOf(stack), jobs, log });
await plane.cancel(speedJobName(jobs)).catch(() => undefined);
await plane.deploy({ only: ['speed-recommender'], fresh: true });
const speedJid = (await plane.status()).find((j) => j.name === speedJobName(jobs))?.jid;
/**
 * Users the job has seeded so far, and when (NaN when Flink does not say). Flink's REST answers from
 * a store it refreshes after the call, at most every second: so ask, wait, and ask again.
 */
const usersSeeded = async () => {
  const ask = async () => (speedJid ? ((await plane.usersSeeded(speedJid).catch(() => undefined)) ?? Number.NaN) : Number.NaN);
  await ask();
  await new Promise((r) => setTimeout(r, 1500));
  return { at: performance.now(), count: await ask() };
};

// the job is up and has its model once a rating for a background user comes out as a speed row
{
  const probe = pool.ids.length + 1;
  const userId = pool.has(probe) ? probe + 1 : probe;
  const ratedAt = Date.now();
  const ready = createRatingSink('kafkajs', { kafka: stack.kafka, topic, clientId: 'moviereco-bench-freshness-ready' });
  await ready.send([probeRating(userId, ratedAt, 4)]);
  await ready.close();
  await waitFor(
    async () => {
      const row = (await cql.execute('SELECT computed_at FROM speed_recommendations WHERE user_id = ?', [userId], { prepare: true })).first();
      return row && row.get('computed_at').getTime() >= ratedAt ? true : undefined;
    },
    { delayMs: 250, maxWaitMs: 180_000, description: 'the speed job writing its first row' },
  );
  log('the speed job is up and serving its model');
}
const benchStarted = performance.now();

const probes = createRatingSink('kafkajs', { kafka: stack.kafka, topic, clientId: 'moviereco-bench-freshness-probes' });
// the baseline: a plain consumer of the same topic sees each probe; scheduled send → received is the transport floor
const consumer = kafka.consumer({ groupId: `bench-freshness-floor-${Date.now()}`, maxWaitTimeInMs: 5 });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: false });
const probeScheduled = new Map<string, number>();
const floor = createLatencyHistogram();
await consumer.run({
  eachMessage: async ({ message }) => {
    const scheduled = probeScheduled.get(message.value!.toString('latin1'));
    if (scheduled !== undefined) floor.record(performance.now() - scheduled);
  },
});
await new Promise((r) => setTimeout(r, 3000));

interface Probe {
  scheduled: number;
  wall: number;
  counted: boolean;
  firstSight: boolean;
  /** a rating sent as the step's load stopped, to time the backlog it left */
  marker?: boolean;
}

/** A quantile of a step's samples (within the histogram's 1%, never below), NaN with none: a step without probes is not sustained. */
const percentile = (h: LatencyHistogram, p: number) => (h.count ? h.percentile(p) : Number.NaN);
const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');

/** ratings sent as a step's load stops: the backlog has drained when every one of them is served (16 users cover 4 partitions with 96% odds) */
const MARKERS = 16;
const ticksPerSecond = clockTicksPerSecond();

interface Step extends StepOutcome {
  name: string;
  probes: number;
  firstSights: number;
  p50: number;
  p90: number;
  max: number;
  floorP50: number;
  floorP99: number;
  /** probes due when every pool user had one outstanding */
  skipped: number;
  behindMs: number;
  ok: boolean;
  /** first-sight probes' latencies (the warm-up's) */
  firstSight?: { probes: number; p50: number; p99: number };
  /** cores busy per engine while the step's load ran (1.0 = one core) */
  engines: Record<string, number>;
  /** requests Cassandra's native transport completed while the load ran, per background rating sent (the job's writes and history reads, and this prober's polls) */
  cassandraRequestsPerRating: number;
  /** users the job seeded while the load ran (a first sight: the history read from Cassandra), per second */
  seededPerSecond: number;
}

/** requests Cassandra's native transport has completed since it started */
async function cassandraRequests(): Promise<number> {
  const rows = await cql.execute("SELECT completed_tasks FROM system_views.thread_pools WHERE name = 'Native-Transport-Requests'");
  return Number(rows.first()?.get('completed_tasks') ?? Number.NaN);
}

async function runStep(index: number, name: string, rate: number, durationS: number, countFromMs: number): Promise<Step> {
  const planFile = path.join(stack.dirs.tmp, `bench-freshness-load-${process.pid}.json`);
  const plan: RatingLoadPlan = {
    topic,
    users,
    probePoolSize: pool.ids.length,
    zipfS,
    seed: seed + 1000 * (index + 1),
    rankSeed: seed,
    movies,
    rate,
    seconds: durationS,
  };
  fs.writeFileSync(planFile, JSON.stringify(plan));
  const load = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'rating-load.ts'), planFile], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: load.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the load generator of step ${name} ended early (exit ${load.exitCode})`);
    return JSON.parse(value) as { type: 'ready' | 'progress' | 'result'; sent: number; seconds: number; behindMs: number };
  };
  while ((await next()).type !== 'ready');
  const started = performance.now();
  const enginesBefore = sampleEach(listStackProcesses(stack.stackDir));
  const requestsBefore = await cassandraRequests();
  const seededBefore = usersSeeded();
  floor.reset();
  const latencies = createLatencyHistogram();
  const firstSightLatencies = createLatencyHistogram();
  const outstanding = new Map<number, Probe>();
  let timedOut = 0;
  let skipped = 0;
  let probesDue = 0;
  const totalProbes = Math.floor(durationS * probeRate);
  let stop = false;
  let markersLeft = 0;
  let drainedAt = Number.NaN;
  const sendProbe = (userId: number, probe: Omit<Probe, 'wall'>) => {
    const ratedAt = Date.now();
    const record = probeRating(userId, ratedAt, 4);
    outstanding.set(userId, { ...probe, wall: ratedAt });
    if (!probe.marker) probeScheduled.set(record.value.toString('latin1'), probe.scheduled);
    void probes.send([record]);
  };
  // probes on a fixed schedule: each 5 ms, every probe due goes out
  const prober = (async () => {
    while (!stop && probesDue < totalProbes) {
      const due = dueBy(performance.now() - started, probeRate, totalProbes);
      for (; probesDue < due; probesDue++) {
        const scheduled = started + dueAt(probesDue, probeRate);
        const pick = cycle.next(outstanding);
        if (!pick) {
          if (scheduled - started >= countFromMs) skipped++;
          continue;
        }
        sendProbe(pick.userId, { scheduled, counted: scheduled - started >= countFromMs, firstSight: pick.firstSight });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  // the outstanding probes' rows, read together (100 users a query)
  // (after the step, until none is outstanding)
  const poll = async () => {
    while (!stop || outstanding.size > 0) {
      const ids = [...outstanding.keys()];
      for (let i = 0; i < ids.length; i += 100) {
        const rows = await cql.execute('SELECT user_id, computed_at FROM speed_recommendations WHERE user_id IN ?', [ids.slice(i, i + 100)], { prepare: true });
        const now = performance.now();
        for (const row of rows) {
          const user = (row.get('user_id') as { toNumber(): number }).toNumber();
          const probe = outstanding.get(user);
          if (probe && row.get('computed_at').getTime() >= probe.wall) {
            if (probe.marker && --markersLeft === 0) drainedAt = now;
            if (probe.counted) latencies.record(now - probe.scheduled);
            if (probe.firstSight && !probe.marker) firstSightLatencies.record(now - probe.scheduled);
            outstanding.delete(user);
          }
        }
      }
      const now = performance.now();
      for (const [user, probe] of outstanding)
        if (now - probe.scheduled > PROBE_TIMEOUT_MS) {
          if (probe.counted) timedOut++;
          outstanding.delete(user);
        }
      await new Promise((r) => setTimeout(r, Math.min(200, Math.max(20, outstanding.size))));
    }
  };
  const poller = poll();
  let result: { sent: number; seconds: number; behindMs: number };
  for (;;) {
    const event = await next();
    if (event.type === 'result') {
      result = event;
      break;
    }
  }
  const engines = coresEach(enginesBefore, sampleEach(listStackProcesses(stack.stackDir)), ticksPerSecond);
  const requests = (await cassandraRequests()) - requestsBefore;
  // asked now, awaited after the backlog is timed (the asking takes 1.5 s)
  const seededAfter = usersSeeded();
  // the backlog left: markers to users with no probe outstanding, sent as the load stopped; the
  // time until all are served (a round with one lost or none sent is infinite)
  stop = true;
  await prober;
  const markerRound = async (polled: () => Promise<void>) => {
    const from = performance.now();
    drainedAt = Number.NaN;
    markersLeft = 0;
    for (let i = 0; i < MARKERS; i++) {
      const pick = cycle.next(outstanding);
      if (!pick) break;
      markersLeft++;
      sendProbe(pick.userId, { scheduled: from, counted: false, firstSight: false, marker: true });
    }
    const sent = markersLeft;
    await polled();
    return sent > 0 && markersLeft === 0 ? drainedAt - from : Number.POSITIVE_INFINITY;
  };
  const drainMs = await markerRound(() => poller);
  // the next step starts on a drained job: more rounds until one is served within the probe timeout
  for (let round = 1, left = drainMs; !Number.isFinite(left) && round <= 20; round++) {
    log(`  (draining the backlog the step left: round ${round})`);
    left = await markerRound(poll);
  }
  fs.rmSync(planFile, { force: true });
  probeScheduled.clear();
  const [seededFrom, seededTo] = [await seededBefore, await seededAfter];
  const seededPerSecond = (seededTo.count - seededFrom.count) / ((seededTo.at - seededFrom.at) / 1000);
  const step: Step = {
    name,
    rate,
    achieved: result.sent / Math.max(durationS, result.seconds),
    probes: latencies.count,
    firstSights: firstSightLatencies.count,
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    max: latencies.count ? latencies.maxMs : Number.NaN,
    skipped,
    floorP50: percentile(floor, 0.5),
    floorP99: percentile(floor, 0.99),
    drainMs,
    lost: timedOut + skipped,
    behindMs: result.behindMs,
    ok: false,
    engines,
    cassandraRequestsPerRating: requests / Math.max(1, result.sent),
    seededPerSecond,
    ...(firstSightLatencies.count
      ? { firstSight: { probes: firstSightLatencies.count, p50: percentile(firstSightLatencies, 0.5), p99: percentile(firstSightLatencies, 0.99) } }
      : {}),
  };
  step.ok = sustained(step, p99Limit);
  log(
    `  ${name}: ${step.achieved.toFixed(0)} ev/s sent, ${step.probes} probes, p50 ${step.p50.toFixed(0)} ms, p99 ${step.p99.toFixed(0)} ms, max ${step.max.toFixed(0)} ms, ` +
      `lost ${step.lost}, Kafka p99 ${step.floorP99.toFixed(0)} ms, backlog left ${step.drainMs.toFixed(0)} ms${step.ok ? ', sustained' : ''}; ` +
      `cores: ${Object.entries(engines)
        .map(([name, c]) => `${name} ${c.toFixed(2)}`)
        .join(', ')}; Cassandra ${step.cassandraRequestsPerRating.toFixed(2)} requests per rating; ${fmt(seededPerSecond)} users seeded per second`,
  );
  return step;
}

// a quiet start: Cassandra's compactions of what earlier runs wrote would otherwise take the
// cores during this one (runs of the same code at 32M differed up to 2×; this is one cause)
const quiet = await waitFor(
  async () => {
    const pools = await cql.execute("SELECT active_tasks, pending_tasks FROM system_views.thread_pools WHERE name = 'CompactionExecutor'");
    const busy = pools.rows.reduce((n, r) => n + Number(r.get('active_tasks')) + Number(r.get('pending_tasks')), 0);
    return busy === 0 ? performance.now() : undefined;
  },
  { delayMs: 2000, maxWaitMs: 20 * 60_000, description: "Cassandra's compactions to finish before the run" },
);
log(`Cassandra compacting nothing (waited ${((quiet - benchStarted) / 1000).toFixed(0)} s since the job came up)`);
const cpuCheck = cpuCheckMs();
log(`CPU check: ${cpuCheck.toFixed(0)} ms for the fixed workload of tools/bench/cpu-check.ts (lower is faster)`);

const warmupRate = Math.min(500, ladder[0]!);
log(
  `${dataset.name}: ${users.toLocaleString('en-US')} users, ${movies.length.toLocaleString('en-US')} movies; probe pool ${pool.ids.length.toLocaleString('en-US')} users, ` +
    `${probeRate} probes/s; warm-up ${warmupSeconds} s at ${warmupRate} ev/s (every pool user's first sight), then ${ladder.join(', ')} ev/s, ${seconds} s each`,
);
const warmup = await runStep(0, 'warm-up', warmupRate, warmupSeconds, 0);
const steps: Step[] = [];
for (const [i, rate] of ladder.entries()) {
  const step = await runStep(i + 1, `${rate} ev/s`, rate, seconds, COUNT_FROM_MS);
  steps.push(step);
  if (!step.ok && !values['keep-going']) break;
}

await consumer.disconnect();
await probes.close();
await plane.cancel(speedJobName(jobs)).catch(() => undefined);
await cql.shutdown();

const best = steps.filter((s) => s.ok).reduce((m, s) => Math.max(m, s.rate), 0);
const cores = (s: Step, engine: string) => s.engines[engine]?.toFixed(2) ?? '-';
const head = [
  '| background ev/s | sent ev/s | probes | p50 ms | p90 ms | p99 ms | max ms | lost | Kafka round trip p50 / p99 ms | p99 / Kafka p99 | backlog left (ms) | sustained | cores: Cassandra / TaskManager / Kafka | Cassandra requests per rating | users seeded per s |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|',
];
const rows = steps.map(
  (s) =>
    `| ${s.rate.toLocaleString('en-US')} | ${s.achieved.toLocaleString('en-US', { maximumFractionDigits: 0 })} | ${s.probes.toLocaleString('en-US')} | ${fmt(s.p50)} | ${fmt(s.p90)} | **${fmt(s.p99)}** | ${fmt(s.max)} | ${s.lost} | ${fmt(s.floorP50)} / ${fmt(s.floorP99)} | ${(s.p99 / s.floorP99).toFixed(1)}× | ${fmt(s.drainMs)} | ${s.ok ? 'yes' : 'no'} | ${cores(s, 'cassandra')} / ${cores(s, 'flink-taskmanager')} / ${cores(s, 'kafka')} | ${s.cassandraRequestsPerRating.toFixed(2)} | ${fmt(s.seededPerSecond)} |`,
);
const first = warmup.firstSight;
const header =
  `Speed-layer freshness ${new Date().toISOString()}: ${dataset.name} (keyspace ${target.keyspace}, model ${target.modelName}), rating produced → speed row readable in Cassandra. ` +
  `Background ratings for users Zipf-drawn (s = ${zipfS}) over ${users.toLocaleString('en-US')} users, from a process of its own; every event recomputes its user ` +
  `(fold-in over the whole history, top-${100} of ${movies.length.toLocaleString('en-US')} movies). Probes: ${probeRate}/s on a fixed schedule (latency from the scheduled time) ` +
  `to ${pool.ids.length.toLocaleString('en-US')} users the background never rates, rows polled every 20–200 ms; first ${COUNT_FROM_MS / 1000} s of each ${seconds} s step not counted. ` +
  `Speed job: parallelism ${jobs.parallelism}, coalesce ${jobs.speed.coalesceMs} ms, network buffer timeout ${jobs.bufferTimeoutMs} ms, fresh state; Cassandra compacting nothing at the start; Kafka, Cassandra, Flink, the load generator and this prober share the machine's cores${nice !== 0 ? ` (the prober and the load generator at nice ${nice}, ahead of the engines)` : ''}. CPU check before the steps: ${cpuCheck.toFixed(0)} ms (tools/bench/cpu-check.ts; lower is faster).`;
const summary =
  `${header}\n\n` +
  `First sight (the warm-up at ${warmupRate} ev/s: each pool user's first rating, history read from Cassandra): ` +
  `${first ? `${first.probes.toLocaleString('en-US')} probes, p50 ${fmt(first.p50)} ms, p99 ${fmt(first.p99)} ms` : 'no probe'}.\n\n` +
  `Ladder (probes to users the job already holds; a rate is sustained with no probe lost, p99 under ${p99Limit} ms and the backlog it left, the time until ratings sent as its load stopped were served, under ${p99Limit} ms too):\n\n${[...head, ...rows].join('\n')}\n\n` +
  `Highest rate sustained: ${best ? `${best.toLocaleString('en-US')} events/s` : `none of ${ladder.join(', ')}`}.\n`;
console.log(`\n${summary}`);
const outDir = path.join(stack.repoRoot, 'bench-results');
fs.mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '');
fs.writeFileSync(path.join(outDir, `freshness-${stamp}.md`), summary);
fs.writeFileSync(
  path.join(outDir, `freshness-${stamp}.json`),
  JSON.stringify(
    { header, dataset: dataset.name, cpuCheckMs: cpuCheck, nice, users, probePool: pool.ids.length, probeRate, zipfS, warmup, steps, sustained: best },
    null,
    2,
  ),
);
process.exit(0);
