/**
 * Node-loss drills for the cluster topology (STACK_TOPOLOGY=cluster, docs/cluster.md): each kills
 * one node of a replicated engine with kill -9 while a replay streams in and the API takes a
 * steady request rate, keeps it down while the work settles, and then starts it again.
 *
 *   kafka-broker    the broker leading partition 0 of the ratings topic (RF 3, min.insync 2)
 *   cassandra-node  one of 3 nodes (RF 3, LOCAL_QUORUM reads and writes)
 *   taskmanager     one of 2 TaskManagers (the jobs at parallelism 2 restart on the other)
 *   datanode        one of 3 DataNodes (replication 2) while the archive job writes
 *   spark-worker    one of 2 Spark workers during a batch run
 *
 * Nothing may be lost: the archive holds every produced event exactly once (the replay's, the
 * twins', and ratings posted through the API during the fault), the speed rows of users who rated
 * during the fault equal those of twins who rated the same without one, the batch completes; the
 * API's error rate and p99 in the 30 s after the kill are reported and checked.
 */
import type { EngineName } from '../infra/engines/engine.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner } from '../batch/runner.ts';
import { platformOf } from '../infra/platform.ts';
import { z } from 'zod';
import { SINK_CLIENTS, type SinkClient } from '../ingest/rating-sink.ts';
import type { RecommendationRow } from '../serving/store.ts';
import { speedJobName } from '../speed/jobs.ts';
import { promSum, promValue } from '../lib/prom-text.ts';
import { archivedEvents } from './archive.ts';
import { apiKeyHeader } from './environment.ts';
import { archivedAll, settledSpeedRows } from './settle.ts';
import {
  apiWindow,
  check,
  differingTwins,
  type DrillCheck,
  type ApiSample,
  type DrillContext,
  exactlyOnce,
  fmt,
  jobDiagnosis,
  parts,
  popularMovies,
  ratingSender,
  sleep,
  startApiLoadProcess,
  startApiProcess,
  startDrillReplay,
  twinUsers,
  withStore,
} from './drill-kit.ts';
import { runQueueWaitMs } from '../lib/scheduling.ts';

export const CLUSTER_DRILLS = ['kafka-broker', 'cassandra-node', 'taskmanager', 'datanode', 'spark-worker'] as const;
export type ClusterDrillName = (typeof CLUSTER_DRILLS)[number];

/** The API's request rate through each drill, and the share of requests that may fail after a kill. */
const API_RATE = 40;
const API_MAX_ERROR_RATE = 0.01;

/**
 * The replay's rate through a node loss. At 200/s the machine (16 JVMs of the cluster, the drill
 * system and the API on 2 cores) ran at a load average of 14, and the API got no answer within
 * 10 s for up to 30% of requests whatever was killed (17 of 126 even before a kill); with the API
 * alone under load and a node killed, none failed (p99 67 ms). At 50/s the replay still runs
 * through the whole fault (60 s).
 */
const REPLAY_RATE = 50;

/** The port of the API process the drills load (beside the drill system's own). */
const API_PORT = 3190;
const API_WARMUP_MS = 15_000;
/**
 * How long after a kill the API is measured: the replay and the twins' ratings run in it, the
 * drill's checks (speed rows and every archive file polled) only after it. With the checks inside
 * the window, 5-18% of requests got no answer within 10 s whichever node was down (also 6 of 123
 * before one DataNode was killed); with only a Cassandra node killed under the API's load, none
 * failed and p99 was 67 ms. On 2 cores the checks' own work is part of what the API competes with.
 */
const API_FAULT_WINDOW_MS = 30_000;

/**
 * The Kafka client of the replay and the twins' ratings: `npm run replay`'s default
 * (DRILL_REPLAY_CLIENT picks another). With `kafkajs`, the broker drill found that kafkajs loses
 * records when a send spans brokers and a leader dies (lib/kafkajs-send.ts, docs/cluster.md).
 */
const REPLAY_CLIENT: SinkClient = z
  .enum(SINK_CLIENTS)
  .default('direct')
  .parse(process.env.DRILL_REPLAY_CLIENT || undefined);

/**
 * Runs `fn` with a steady API load going: the API and its load generator each in a process of
 * their own, the load open-loop at API_RATE; returns what `fn` returns and every request's sample.
 */
async function underApiLoad<T>(ctx: DrillContext, fn: (apiUrl: string, pids: ApiAndLoad) => Promise<T>): Promise<{ result: T; samples: ApiSample[] }> {
  const api = await startApiProcess(ctx, API_PORT);
  try {
    const load = await startApiLoadProcess(ctx, api.url, API_RATE);
    // a new API process loads its views and the model's factors on its first requests: the drill
    // measures a warm one, as a fault finds it in production (these first requests are in no window)
    await sleep(API_WARMUP_MS);
    const result = await fn(api.url, { api: api.pid, load: load.pid }).catch(async (error: unknown) => {
      await load.stop();
      throw error;
    });
    return { result, samples: await load.stop() };
  } finally {
    await api.stop();
  }
}

/** How many ratings are posted through the API in each node-loss drill's fault: one per new user, through the API's own Kafka producer. */
const API_POSTS = 60;

/**
 * Posts a rating through the API and retries it with the same Idempotency-Key (the same event)
 * on any answer but 202, or none, until `untilMs`; its eventId once accepted, else undefined.
 */
async function postUntilAccepted(ctx: DrillContext, apiUrl: string, userId: number, movieId: number, untilMs: number): Promise<string | undefined> {
  const headers = { ...apiKeyHeader(ctx.env), 'content-type': 'application/json', 'idempotency-key': `drill-${userId}` };
  while (Date.now() < untilMs) {
    const res = await fetch(`${apiUrl}/users/${userId}/ratings`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ movieId, rating: 4 }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (res?.status === 202) return ((await res.json()) as { eventId: string }).eventId;
    await res?.body?.cancel();
    await sleep(1000);
  }
  return undefined;
}

/** The recommendations route as the API's request histogram labels it. */
const RECOMMENDATIONS_ROUTE = '/users/:id/recommendations';

/** A figure each of the API and its load generator has: their pids, or how long each one's event loop has waited for a core (ms). */
type ApiAndLoad = { api?: number; load?: number };

/**
 * The API's speed view counters from its /metrics (rows served from memory, rows read from
 * Cassandra, stale answers) and its own count of recommendation requests, all and those it
 * answered within 1 s (undefined if unreadable); and how long the API's and its load
 * generator's event loops have waited for a core.
 */
async function speedViewCounts(apiUrl: string, pids: ApiAndLoad) {
  const waited: ApiAndLoad = { api: runQueueWaitMs(pids.api), load: runQueueWaitMs(pids.load) };
  const text = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
    .then((r) => r.text())
    .catch(() => '');
  const route = { route: RECOMMENDATIONS_ROUTE };
  const counts = {
    hits: promValue(text, 'api_speed_view_hits'),
    misses: promValue(text, 'api_speed_view_misses'),
    stale: promValue(text, 'api_speed_view_stale'),
    served: promSum(text, 'http_request_duration_seconds_count', route),
    within1s: promSum(text, 'http_request_duration_seconds_bucket', { ...route, le: '1' }),
  };
  return Object.values(counts).every(Number.isFinite) ? { ...counts, waited } : undefined;
}

/** What the API's speed view did between two readings of its counters, and how many requests the API itself took over 1 s for. */
function speedViewDelta(from: Awaited<ReturnType<typeof speedViewCounts>>, to: Awaited<ReturnType<typeof speedViewCounts>>): string {
  if (!from || !to) return '';
  const served = to.served - from.served;
  const slow = served - (to.within1s - from.within1s);
  const waited = (pick: (w: ApiAndLoad) => number | undefined) => {
    const [a, b] = [pick(from.waited), pick(to.waited)];
    return a === undefined || b === undefined ? '?' : `${((b - a) / 1000).toFixed(1)} s`;
  };
  return `; in it the speed view served ${fmt(to.hits - from.hits)} rows from memory, read ${fmt(to.misses - from.misses)} from Cassandra and answered ${fmt(to.stale - from.stale)} requests stale (the read late); the API finished ${fmt(served)} recommendation requests, ${fmt(slow)} of them over 1 s after it began them; the API's event loop waited ${waited((w) => w.api)} for a core, its load generator's ${waited((w) => w.load)}`;
}

/** The process a drill kills: its engine and name in `status`. */
type Victim = { engine: EngineName; process: string };

async function pidOf(ctx: DrillContext, process: string): Promise<number | undefined> {
  return (await parts(ctx).engines.status()).find((r) => r.process === process)?.pid;
}

/** The API's requests while `what` (due in [from, to)), beside those due before the fault ([loadFrom, from)); `extra` ends the detail. */
function apiCheck(samples: readonly ApiSample[], loadFrom: number, from: number, to: number, what: string, extra = ''): DrillCheck {
  const w = apiWindow(samples, from, to);
  const base = apiWindow(samples, loadFrom, from);
  const statuses = [...w.statuses].map(([status, n]) => `${n} × ${status === 0 ? 'no answer' : status}`).join(', ');
  return check(
    `the API kept answering while ${what} (at most ${API_MAX_ERROR_RATE * 100}% failed)`,
    w.requests > 0 && w.failed <= w.requests * API_MAX_ERROR_RATE,
    `${fmt(w.requests)} requests at ${API_RATE}/s in ${((to - from) / 1000).toFixed(0)} s, ${w.failed} failed (${((100 * w.failed) / Math.max(1, w.requests)).toFixed(2)}%${statuses ? `: ${statuses}` : ''}), p50 ${w.p50Ms.toFixed(0)} ms, p99 ${w.p99Ms.toFixed(0)} ms from each request's scheduled time; before the fault ${fmt(base.requests)} requests, ${base.failed} failed, p99 ${base.p99Ms.toFixed(0)} ms${extra}`,
  );
}

/**
 * Kills `victim` a few seconds into a replay of 3,000 ratings (REPLAY_RATE) while twin users rate, keeps
 * it down until the speed rows settled and the archive holds every event, then starts it again.
 */
async function nodeLoss(ctx: DrillContext, victim: Victim, what: string): Promise<DrillCheck[]> {
  const { jobs, kafka, hdfs, engines } = parts(ctx);
  const { send, close } = ratingSender(ctx, jobs.topics.ratings, `moviereco-drill-${victim.process}`, REPLAY_CLIENT);
  const movies = await popularMovies(ctx);
  const twins = twinUsers(movies, { idBase: 910_000_000 + (Math.floor(Date.now() / 1000) % 100_000) * 1000 });
  // the users who rate through the API: between the twins' groups (idBase + 0… and + 500…)
  const apiUserBase = twins.usersA[0]! + 200;
  try {
    return await withStore(ctx, async (store) => {
      await send(twins.a);
      const rowsA = await settledSpeedRows({ kafka, jobs, store }, twins.usersA);
      const pid = await pidOf(ctx, victim.process);
      if (!pid) return [check(`${victim.process} is running`, false, 'not found in status')];
      const { result, samples } = await underApiLoad(ctx, async (apiUrl, pids) => {
        const loadFrom = Date.now();
        const replay = await startDrillReplay(ctx, { tag: victim.process, count: 3000, ratePerSec: REPLAY_RATE, client: REPLAY_CLIENT });
        await sleep(3000);
        process.kill(pid, 'SIGKILL');
        const killedAt = Date.now();
        // the speed view's counters now and as the API's window closes, read beside the drill's own
        // work (a slow /metrics must not hold up the twins' ratings)
        const viewAtKill = speedViewCounts(apiUrl, pids);
        const viewAtEnd = sleep(killedAt + API_FAULT_WINDOW_MS - Date.now()).then(() => speedViewCounts(apiUrl, pids));
        // the twins' B group rates over the next 9 s, in 30 batches; new users rate through the API meanwhile
        const batch = Math.ceil(twins.b.length / 30);
        const posts: Promise<string | undefined>[] = [];
        for (let i = 0; i < 30; i++) {
          await send(twins.b.slice(i * batch, (i + 1) * batch));
          for (let j = 0; j < API_POSTS / 30; j++) {
            const k = posts.length;
            posts.push(postUntilAccepted(ctx, apiUrl, apiUserBase + k, movies[k % movies.length]!, killedAt + 120_000));
          }
          await sleep(300);
        }
        const summary = await replay.done;
        const posted = await Promise.all(posts);
        const accepted = posted.filter((id): id is string => id !== undefined);
        // the API is measured through the fault's first API_FAULT_WINDOW_MS, under the replay and the
        // twins' ratings; the checks below (archive reads every 2 s) start once that window closed
        const view = speedViewDelta(await viewAtKill, await viewAtEnd);
        // a timeout is a finding: the check says where the speed job stopped (lag by partition, job state)
        let stalled = '';
        const rowsB = await settledSpeedRows({ kafka, jobs, store }, twins.usersB).catch(async (e: Error) => {
          stalled = `${e.message}; ${await lagByPartition(ctx)}; ${await jobDiagnosis(parts(ctx).flink, speedJobName(jobs))}`;
          return new Map<number, RecommendationRow>();
        });
        const groups = { replay: replay.ids, A: twins.a.map((e) => e.eventId), B: twins.b.map((e) => e.eventId), API: accepted };
        const ids = Object.values(groups).flat();
        // a timeout here is a finding, not a crash: the check below says how many are missing, and of which group
        const counts = await archivedAll({ hdfs, jobs }, ids, 180_000).catch(() => archivedEvents(hdfs, jobs.archive.path));
        const missing = Object.entries(groups)
          .map(([group, list]) => [group, list.filter((id) => !counts.has(id)).length] as const)
          .filter(([, n]) => n > 0);
        return { loadFrom, killedAt, settledAt: Date.now(), replay, summary, accepted, view, rowsB, stalled, ids, counts, missing };
      });
      const { loadFrom, killedAt, settledAt, replay, summary, accepted, view, rowsB, stalled, ids, counts, missing } = result;
      const restartStarted = performance.now();
      await engines.up([victim.engine]);
      const restartSeconds = (performance.now() - restartStarted) / 1000;
      const newPid = await pidOf(ctx, victim.process);
      const differing = stalled ? twins.usersB : differingTwins(twins, rowsA, rowsB);
      const archived = exactlyOnce(counts, ids);
      return [
        check(
          `${what} was killed mid-stream and started again afterwards`,
          newPid !== undefined && newPid !== pid,
          `${victim.process} (pid ${pid}) down ${((settledAt - killedAt) / 1000).toFixed(0)} s; back as pid ${newPid ?? '-'}, ready in ${restartSeconds.toFixed(1)} s`,
        ),
        check(
          'the replay produced every row through the loss',
          summary.produced === replay.rows.length && summary.rejected === 0,
          `${fmt(summary.produced)} of ${fmt(replay.rows.length)} produced at ${REPLAY_RATE}/s, ${summary.rejected} rejected`,
        ),
        check(
          'the API accepted every rating posted to it during the loss (retried with the same Idempotency-Key)',
          accepted.length === API_POSTS,
          `${accepted.length} of ${API_POSTS} accepted within 120 s of the kill`,
        ),
        check(
          'speed rows of users who rated during the loss equal those of twins who rated the same without one',
          differing.length === 0,
          stalled || `${twins.users - differing.length} of ${twins.users} users equal (${twins.perUser} ratings each)`,
        ),
        { ...archived, detail: `${archived.detail}${missing.length > 0 ? ` (missing: ${missing.map(([g, n]) => `${n} of ${g}`).join(', ')})` : ''}` },
        apiCheck(samples, loadFrom, killedAt, killedAt + API_FAULT_WINDOW_MS, `${victim.process} was down`, view),
      ];
    });
  } finally {
    await close();
  }
}

/** The speed job's committed offsets against each partition's end, and the partitions' leaders. */
async function lagByPartition(ctx: DrillContext): Promise<string> {
  const { jobs, kafka } = parts(ctx);
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topic = jobs.topics.ratings;
    const [ends, committed, meta] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: speedJobName(jobs), topics: [topic] }),
      admin.fetchTopicMetadata({ topics: [topic] }),
    ]);
    return ends
      .map((p) => {
        const done = committed[0]?.partitions.find((c) => c.partition === p.partition)?.offset ?? '-';
        const leader = meta.topics[0]?.partitions.find((m) => m.partitionId === p.partition)?.leader;
        return `p${p.partition} committed ${done} of ${p.high} (leader ${leader})`;
      })
      .join(', ');
  } catch (error) {
    return `lag unknown: ${(error as Error).message}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The broker that leads partition 0 of the ratings topic: the one whose loss moves a leader. */
async function leadingBroker(ctx: DrillContext): Promise<Victim> {
  const { jobs, kafka } = parts(ctx);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [topic] = (await admin.fetchTopicMetadata({ topics: [jobs.topics.ratings] })).topics;
    const leader = topic?.partitions.find((p) => p.partitionId === 0)?.leader ?? 1;
    return { engine: 'kafka', process: `kafka-${leader}` };
  } finally {
    await admin.disconnect();
  }
}

/** Kills a Spark worker (and so its executor) once the batch run has started training. */
async function sparkWorker(ctx: DrillContext): Promise<DrillCheck[]> {
  const { engines } = parts(ctx);
  // the history the drill system imported (system/start.ts names it so), as its own batch runs read it
  const batch = loadBatchConfig({ BATCH_DATASET: 'ml-latest-small-history', ...ctx.env });
  const runner = createBatchRunner({ platform: platformOf(ctx.stack), batch, log: () => {} });
  const current = async () => (await runner.status()).find((m) => m.current)?.version;
  const old = await current();
  const pid = await pidOf(ctx, 'spark-worker-1');
  if (!pid) return [check('spark-worker-1 is running', false, 'not found in status')];
  let killedIn: string | undefined;
  let killedAt = 0;
  let lost = 0;
  let phase = '';
  /** the driver's last error line: what a failed run says of its cause */
  let driverError = '';
  let startedAt = 0;
  const { result, samples } = await underApiLoad(ctx, () => {
    startedAt = Date.now();
    return runner
      .run({
        onLine: (line) => {
          if (line.startsWith('PHASE_START ')) phase = line.slice('PHASE_START '.length);
          if (/^Exception in thread|\bERROR\b/.test(line)) driverError = line;
          if (/lost executor|executor .* lost|worker .* removed|worker .* lost/i.test(line)) lost++;
          if (phase === 'evaluate' && !killedIn) {
            killedIn = phase;
            killedAt = Date.now();
            process.kill(pid, 'SIGKILL');
          }
        },
      })
      .catch((e: unknown) => e);
  });
  const finishedAt = Date.now();
  const after = await current();
  const restartStarted = performance.now();
  await engines.up(['spark']);
  const restartSeconds = (performance.now() - restartStarted) / 1000;
  const newPid = await pidOf(ctx, 'spark-worker-1');
  return [
    check(
      'a Spark worker was killed during the run, and started again afterwards',
      killedIn !== undefined && newPid !== undefined && newPid !== pid,
      `spark-worker-1 (pid ${pid}) killed as the ${killedIn ?? '-'} phase began, ${killedIn ? ((killedAt - startedAt) / 1000).toFixed(0) : '-'} s into the run; back as pid ${newPid ?? '-'}, ready in ${restartSeconds.toFixed(1)} s`,
    ),
    check(
      'the batch completed on the other worker and its model is current',
      !(result instanceof Error) && after !== undefined && after !== old,
      result instanceof Error
        ? `the run failed: ${result.message.split('\n')[0]}${driverError ? `; the driver's last error: ${driverError.slice(0, 400)}` : ''}`
        : `${old} → ${after} in ${((finishedAt - startedAt) / 1000).toFixed(0)} s; ${lost} lines of the driver's log on the lost executor`,
    ),
    apiCheck(samples, startedAt, killedAt || startedAt, finishedAt, 'the batch ran without a worker'),
  ];
}

export const clusterDrills: Record<ClusterDrillName, (ctx: DrillContext) => Promise<DrillCheck[]>> = {
  'kafka-broker': async (ctx) => nodeLoss(ctx, await leadingBroker(ctx), 'the broker leading partition 0'),
  'cassandra-node': (ctx) => nodeLoss(ctx, { engine: 'cassandra', process: 'cassandra-1' }, 'a Cassandra node'),
  taskmanager: (ctx) => nodeLoss(ctx, { engine: 'flink', process: 'flink-taskmanager-1' }, 'a TaskManager'),
  datanode: (ctx) => nodeLoss(ctx, { engine: 'hdfs', process: 'hdfs-datanode-1' }, 'a DataNode'),
  'spark-worker': sparkWorker,
};
