/**
 * Failure drills against a running system (the one startSystem brings up): each breaks one part
 * on purpose while work flows, and returns what it verified afterwards, check by check.
 *
 *   taskmanager  kill -9 the Flink TaskManager while ratings stream in: the jobs restart from their
 *                last checkpoint; the speed rows of users who rated during the failure equal those
 *                of twin users who rated the same movies without one; the archive holds every
 *                produced event exactly once
 *   kafka        restart the Kafka broker during a replay: every row arrives, once, in the archive,
 *                and the speed job catches up
 *   cassandra    stop Cassandra: a user the API must read for gets 503 with Retry-After (one its index
 *                knows has no speed row is answered from memory) while /health stays up; after
 *                Cassandra is back the API serves again and the speed job writes again, by themselves
 *   freeze       SIGSTOP Cassandra for 60 s while new and known users rate: the speed job fails at
 *                its Cassandra deadline, restarts from a checkpoint, and every user's row catches up
 *   batch        kill a batch run in its write phase: the old model stays current and the API keeps
 *                serving it without a failed request
 *   announce     Kafka down while a batch run switches: the pointer flips, the announcement is
 *                retried until Kafka is back, and the speed layer folds in with the new model
 *   jobmanager   kill -9 the Flink JobManager (no HA: the new one lists no job): deploy resumes every
 *                job from its newest retained checkpoint; speed rows and trending counts kept
 *                (system/drill-jobmanager.ts)
 */
import type { StackConfig } from '../infra/config.ts';
import { createStack } from '../infra/stack.ts';
import { createCodec } from '../schemas/avro.ts';
import type { RatingEvent } from '../schemas/types.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { BatchError, createBatchRunner } from '../batch/runner.ts';
import { createFlinkClient } from '../speed/flink-client.ts';
import { createRatingSink } from '../ingest/rating-sink.ts';
import { ratingEventId } from '../ingest/ratings-csv.ts';
import { loadJobsConfig } from '../speed/jobs.ts';
import { consumerLag, ensureTopics } from '../lib/kafka-admin.ts';
import { archivedAll, settledSpeedRows } from './settle.ts';
import { JOBMANAGER_DRILL_ENV, jobmanagerDrill } from './drill-jobmanager.ts';
import { apiKeyHeader, isolatedEnv } from './environment.ts';
import { startSystem, type RunningSystem } from './start.ts';
import { ACTIVE_STATES } from '../speed/plan.ts';
import { waitFor } from '../lib/wait-for.ts';
import { promValue } from '../lib/prom-text.ts';
import { kafkaClient } from '../lib/platform.ts';
import { platformOf } from '../infra/platform.ts';
import {
  check,
  differingTwins,
  type DrillCheck,
  type DrillContext,
  exactlyOnce,
  jobDiagnosis,
  fmt,
  parts,
  popularMovies,
  prng,
  ratingSender,
  runningJob,
  sleep,
  startDrillReplay,
  twinUsers,
  withStore,
} from './drill-kit.ts';

export type { DrillCheck, DrillContext } from './drill-kit.ts';

export const DRILLS = ['taskmanager', 'kafka', 'cassandra', 'freeze', 'batch', 'announce', 'jobmanager'] as const;
export type DrillName = (typeof DRILLS)[number];

async function taskmanager(ctx: DrillContext): Promise<DrillCheck[]> {
  const { jobs, speedJob, engines, flink, kafka, hdfs } = parts(ctx);
  const { send, close } = ratingSender(ctx, jobs.topics.ratings, 'moviereco-drill-tm');
  const movies = await popularMovies(ctx);
  const twins = twinUsers(movies, { idBase: 900_000_000 + (Math.floor(Date.now() / 1000) % 100_000) * 1000 });
  const { users, perUser, a, b, usersA, usersB } = twins;
  try {
    return await withStore(ctx, async (store) => {
      await send(a);
      const rowsA = await settledSpeedRows({ kafka, jobs, store }, usersA);
      const before = await runningJob(flink, speedJob);
      const tm = (await engines.status()).find((r) => r.process === 'flink-taskmanager');
      if (!tm?.pid) return [check('a TaskManager is running', false, 'none found')];
      // B's events in 30 batches over about 9 s; the TaskManager is killed a third of the way in
      const batch = Math.ceil(b.length / 30);
      let killedAt = Infinity;
      for (let i = 0; i < 30; i++) {
        await send(b.slice(i * batch, (i + 1) * batch));
        if (i === 10) {
          process.kill(tm.pid, 'SIGKILL');
          killedAt = Date.now();
        }
        await sleep(300);
      }
      await engines.up(['flink']);
      const newTm = (await engines.status()).find((r) => r.process === 'flink-taskmanager');
      const rowsB = await settledSpeedRows({ kafka, jobs, store }, usersB);
      const after = await runningJob(flink, speedJob);
      const restored = after ? (await flink.checkpoints(after.jid)).restored : undefined;
      const differing = differingTwins(twins, rowsA, rowsB);
      const counts = await archivedAll(
        { hdfs, jobs },
        [...a, ...b].map((e) => e.eventId),
      );
      return [
        check(
          'the TaskManager was killed mid-stream and a new one took its place',
          newTm?.pid !== undefined && newTm.pid !== tm.pid,
          `pid ${tm.pid} killed after ${fmt(11 * batch)} of ${fmt(b.length)} events; new pid ${newTm?.pid}`,
        ),
        check(
          'the speed job restarted from its last checkpoint',
          after?.state === 'RUNNING' && restored !== undefined && !restored.savepoint && restored.at >= killedAt,
          `job ${before?.jid === after?.jid ? 'restarted in place' : 'resubmitted'}, restored checkpoint ${restored?.id ?? '-'} ${restored ? `${((restored.at - killedAt) / 1000).toFixed(1)} s after the kill` : ''}, state ${after?.state}`,
        ),
        check(
          'speed rows of users who rated during the failure equal those of twins who rated the same without one',
          differing.length === 0,
          `${users - differing.length} of ${users} users equal (${perUser} ratings each)`,
        ),
        exactlyOnce(
          counts,
          [...a, ...b].map((e) => e.eventId),
        ),
      ];
    });
  } finally {
    await close();
  }
}

async function kafkaDrill(ctx: DrillContext): Promise<DrillCheck[]> {
  const { jobs, speedJob, engines, kafka, hdfs } = parts(ctx);
  // 3,000 ratings of the dataset's users, replayed at 300/s; the broker restarts 3 s in
  const replay = await startDrillReplay(ctx, { tag: 'kafka', count: 3000, ratePerSec: 300 });
  await sleep(3000);
  const restartStarted = performance.now();
  await engines.restart(['kafka']);
  const restartSeconds = (performance.now() - restartStarted) / 1000;
  const summary = await replay.done;
  const { rows, ids } = replay;
  const counts = await archivedAll({ hdfs, jobs }, ids);
  const lag = await waitFor(async () => ((await consumerLag(kafka, speedJob, jobs.topics.ratings).catch(() => undefined)) === 0 ? 0 : undefined), {
    delayMs: 1000,
    maxWaitMs: 300_000,
    description: 'the speed job caught up',
  });
  return [
    check(
      'the replay ran through a broker restart and produced every row',
      summary.produced === rows.length && summary.rejected === 0,
      `${fmt(summary.produced)} of ${fmt(rows.length)} produced, ${summary.rejected} rejected; the broker was down and back in ${restartSeconds.toFixed(1)} s`,
    ),
    exactlyOnce(counts, ids),
    check('the speed job caught up after the restart', lag === 0, `consumer lag ${lag} on ${jobs.topics.ratings}`),
  ];
}

async function cassandraDrill(ctx: DrillContext): Promise<DrillCheck[]> {
  const { jobs, engines, flink, kafka, speedJob } = parts(ctx);
  const get = async (p: string) => {
    const res = await fetch(`${ctx.apiUrl}${p}`, { headers: apiKeyHeader(ctx.env) });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json().catch(() => undefined)) as { error?: { message: string } } | undefined,
    };
  };
  // a user the API never served: with an index of the speed rows, it knows they have none and
  // answers from memory (no read); without one, the request must read Cassandra and gets 503
  // (docs/serving.md). A user it served before may be answered from its views either way.
  const unheld = 980_000_000 + Math.floor(Math.random() * 1_000_000);
  await engines.down(['cassandra']);
  let down: Awaited<ReturnType<typeof get>>;
  let indexed: boolean;
  let ready: number;
  let health: number;
  try {
    const metrics = await fetch(`${ctx.apiUrl}/metrics`).then((r) => r.text());
    indexed = promValue(metrics, 'api_speed_view_index_ready') === 1;
    down = await get(`/users/${unheld}/recommendations`);
    ready = (await get('/ready')).status;
    health = (await get('/health')).status;
  } finally {
    await engines.up(['cassandra']);
  }
  const back = performance.now();
  const apiBack = await waitFor(async () => ((await get('/users/1/recommendations')).status === 200 ? true : undefined), {
    delayMs: 250,
    maxWaitMs: 120_000,
    description: 'the API serving again',
  }).catch(() => false);
  const apiSeconds = (performance.now() - back) / 1000;
  // the speed job fails while Cassandra is away and restarts by itself: a new rating reaches a speed row
  const codec = createCodec('rating-event');
  const sink = createRatingSink('kafkajs', { kafka: ctx.stack.kafka, topic: jobs.topics.ratings, clientId: 'moviereco-drill-cassandra' });
  const userId = 990_000_000 + (Math.floor(Date.now() / 1000) % 100_000);
  const movies = await popularMovies(ctx);
  const ratedAt = Date.now();
  try {
    await sink.send(
      movies.slice(0, 5).map((movieId, i) => ({
        key: Buffer.from(String(userId)),
        value: codec.encode({
          eventId: ratingEventId(userId, movieId, ratedAt + i),
          userId,
          movieId,
          rating: 5,
          ratedAt: ratedAt + i,
          source: 'API',
          action: 'RATE',
        }),
      })),
    );
  } finally {
    await sink.close();
  }
  let waitError = '';
  const row = await withStore(ctx, (store) =>
    waitFor(async () => store.speedRow(userId), { delayMs: 500, maxWaitMs: 300_000, description: `a speed row for user ${userId}` }).catch((e: Error) => {
      waitError = e.message;
      return undefined;
    }),
  );
  const speedSeconds = (performance.now() - back) / 1000;
  // a failure says where the rating stopped: not read (lag), read but failing (exception), or unreadable row
  const why = row
    ? ''
    : `; ${waitError}; ${await jobDiagnosis(flink, speedJob)}; consumer lag ${await consumerLag(kafka, speedJob, jobs.topics.ratings).catch((e) => (e as Error).message)}`;
  return [
    indexed
      ? check(
          'with Cassandra down the API answers a user it never served from its index of speed rows (none for them: no read)',
          down.status === 200,
          `user ${unheld}: ${down.status}${down.body?.error ? `: ${down.body.error.message}` : ''} (index ready)`,
        )
      : check(
          'with Cassandra down the API answers 503 with Retry-After and says why (a user it never served, no index)',
          down.status === 503 && Number(down.retryAfter) > 0 && /Cassandra is unavailable/.test(down.body?.error?.message ?? ''),
          `user ${unheld}: ${down.status}, Retry-After ${down.retryAfter}: ${down.body?.error?.message ?? '-'}`,
        ),
    check('readiness fails and liveness holds while Cassandra is down', ready === 503 && health === 200, `/ready ${ready}, /health ${health}`),
    check(
      'the API serves again by itself once Cassandra is back',
      apiBack,
      apiBack ? `200 again ${apiSeconds.toFixed(1)} s after Cassandra was up` : 'still failing 120 s after Cassandra was up',
    ),
    check(
      'the speed job writes again by itself',
      row !== undefined,
      row ? `a new user's speed row ${speedSeconds.toFixed(1)} s after Cassandra was up` : `no speed row within 5 min${why}`,
    ),
  ];
}

/**
 * Cassandra frozen (SIGSTOP for `freezeMs`, then SIGCONT) while new and known users rate: no
 * request of the speed job may hang for good; it fails at its deadline, Flink restarts it from a
 * checkpoint, and every user's row catches up.
 */
async function cassandraFreeze(ctx: DrillContext, freezeMs = 60_000): Promise<DrillCheck[]> {
  const { jobs, speedJob, engines, flink, kafka } = parts(ctx);
  const { send, close } = ratingSender(ctx, jobs.topics.ratings, 'moviereco-drill-freeze');
  const movies = await popularMovies(ctx);
  const twins = twinUsers(movies, { users: 20, perUser: 10, idBase: 800_000_000 + (Math.floor(Date.now() / 1000) % 100_000) * 1000 });
  // known users: MovieLens users whose history is in Cassandra, each rating three more movies
  const rand = prng(11);
  const now = Date.now();
  const known = Array.from({ length: 20 }, (_, i) => 1 + ((i * 29 + 7) % 610));
  const knownEvents: RatingEvent[] = known.flatMap((userId, i) =>
    Array.from({ length: 3 }, (_, j) => {
      const movieId = movies[Math.floor(rand() * movies.length)]!;
      const ratedAt = now + i * 10 + j;
      return { eventId: ratingEventId(userId, movieId, ratedAt), userId, movieId, rating: 4.5, ratedAt, source: 'API' as const, action: 'RATE' as const };
    }),
  );
  try {
    return await withStore(ctx, async (store) => {
      await send(twins.a);
      const rowsA = await settledSpeedRows({ kafka, jobs, store }, twins.usersA);
      const cassandra = (await engines.status()).find((r) => r.process === 'cassandra');
      if (!cassandra?.pid) return [check('Cassandra is running', false, 'no pid found')];
      const before = await runningJob(flink, speedJob);
      process.kill(cassandra.pid, 'SIGSTOP');
      const frozenAt = Date.now();
      let thawedAt = frozenAt;
      try {
        // the ratings arrive while Cassandra does not answer at all
        for (let i = 0; i < 10; i++) {
          await send(twins.b.slice(i * 20, (i + 1) * 20));
          await send(knownEvents.slice(i * 6, (i + 1) * 6));
          await sleep(1000);
        }
        await sleep(Math.max(0, frozenAt + freezeMs - Date.now()));
      } finally {
        process.kill(cassandra.pid, 'SIGCONT');
        thawedAt = Date.now();
      }
      const rowsB = await settledSpeedRows({ kafka, jobs, store }, twins.usersB, { maxWaitMs: 600_000 });
      const knownRows = await settledSpeedRows({ kafka, jobs, store }, known, { maxWaitMs: 600_000 });
      const caughtUp = Date.now();
      const after = await runningJob(flink, speedJob);
      const restored = after ? (await flink.checkpoints(after.jid)).restored : undefined;
      const differing = differingTwins(twins, rowsA, rowsB);
      // a known user's row is recomputed after the freeze and leaves out every movie rated during it
      const stale = known.filter((u) => {
        const row = knownRows.get(u)!;
        const rated = new Set(knownEvents.filter((e) => e.userId === u).map((e) => e.movieId));
        return new Date(row.computedAt).getTime() < frozenAt || row.items.some((item) => rated.has(item.movieId));
      });
      return [
        check(
          'the speed job failed at its Cassandra deadline and restarted from a checkpoint',
          after?.state === 'RUNNING' && restored !== undefined && !restored.savepoint && restored.at >= frozenAt,
          `froze ${((thawedAt - frozenAt) / 1000).toFixed(0)} s; job ${before?.jid === after?.jid ? 'restarted in place' : 'resubmitted'}, restored checkpoint ${restored?.id ?? '-'} ${restored ? `${((restored.at - frozenAt) / 1000).toFixed(1)} s after the freeze` : '(none: no restart)'}`,
        ),
        check(
          'new users who rated during the freeze have the rows of twins who rated without one',
          differing.length === 0,
          `${twins.users - differing.length} of ${twins.users} users equal; all caught up ${((caughtUp - thawedAt) / 1000).toFixed(1)} s after Cassandra woke`,
        ),
        check(
          'known users who rated during the freeze have rows recomputed with those ratings',
          stale.length === 0,
          `${known.length - stale.length} of ${known.length} users up to date${stale.length ? `; stale: ${stale.join(', ')}` : ''}`,
        ),
      ];
    });
  } finally {
    await close();
  }
}

/**
 * Kafka down while the batch layer switches to a new model: the pointer flips, the announcement
 * is retried until Kafka is back, and the speed layer then folds in with the new model.
 */
async function announceDrill(ctx: DrillContext, downMs = 15_000): Promise<DrillCheck[]> {
  const { jobs, engines } = parts(ctx);
  const runner = createBatchRunner({ platform: platformOf(ctx.stack), batch: loadBatchConfig(ctx.env), log: () => {} });
  let stopped: Promise<void> | undefined;
  let downAt = 0;
  let upAt = 0;
  const result = await runner
    .run({
      onLine: (line) => {
        // stop the broker while the job writes, so it is down when the runner switches and announces
        if (line === 'PHASE_START write' && !stopped) {
          stopped = engines.down(['kafka']).then(() => {
            downAt = Date.now();
            setTimeout(() => {
              void engines.up(['kafka']).then(() => {
                upAt = Date.now();
              });
            }, downMs);
          });
        }
      },
    })
    .catch((e: unknown) => e);
  await stopped;
  await waitFor(async () => upAt || undefined, { delayMs: 500, maxWaitMs: 120_000, description: 'Kafka back up' });
  const switched = !(result instanceof Error) ? (result as { version: string }).version : undefined;
  const announced = await runner.announcedVersion().catch(() => undefined);
  // a new user's rating after the switch is folded in with the new model
  const { send, close } = ratingSender(ctx, jobs.topics.ratings, 'moviereco-drill-announce');
  const userId = 980_000_000 + (Math.floor(Date.now() / 1000) % 100_000);
  const movies = await popularMovies(ctx);
  const ratedAt = Date.now();
  try {
    await send(
      movies.slice(0, 5).map((movieId, i) => ({
        eventId: ratingEventId(userId, movieId, ratedAt + i),
        userId,
        movieId,
        rating: 5,
        ratedAt: ratedAt + i,
        source: 'API' as const,
        action: 'RATE' as const,
      })),
    );
  } finally {
    await close();
  }
  const row = await withStore(ctx, (store) =>
    waitFor(async () => ((await store.speedRow(userId))?.modelVersion === switched ? store.speedRow(userId) : undefined), {
      delayMs: 500,
      maxWaitMs: 180_000,
      description: `a speed row of model ${switched} for user ${userId}`,
    }).catch(() => undefined),
  );
  const current = (await runner.status()).find((m) => m.current)?.version;
  return [
    check(
      'the run switched while Kafka was down and announced once Kafka was back',
      switched !== undefined && current === switched && announced === switched,
      result instanceof Error
        ? `the run failed: ${result.message.split('\n')[0]}`
        : `Kafka down ${downAt ? `${((upAt - downAt) / 1000).toFixed(1)} s` : '(never stopped)'}; current ${current}, announced ${announced ?? 'none'}`,
    ),
    check(
      'the speed layer folds in with the new model',
      row !== undefined,
      row ? `a new user's speed row of model ${row.modelVersion}` : `no speed row of model ${switched} within 3 min`,
    ),
  ];
}

async function batchDrill(ctx: DrillContext): Promise<DrillCheck[]> {
  const runner = createBatchRunner({ platform: platformOf(ctx.stack), batch: loadBatchConfig(ctx.env), log: () => {} });
  const current = async () => (await runner.status()).find((m) => m.current)?.version;
  const old = await current();
  if (!old) return [check('a model is current before the drill', false, 'none')];
  // the API is polled through the whole run: every answer must be a 200 from the old model
  const seen = { requests: 0, failed: 0, versions: new Set<string>() };
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const res = await fetch(`${ctx.apiUrl}/users/${1 + (seen.requests % 610)}/recommendations`, { headers: apiKeyHeader(ctx.env) }).catch(() => undefined);
      seen.requests++;
      if (res?.status !== 200) seen.failed++;
      else seen.versions.add(((await res.json()) as { modelVersion: string }).modelVersion);
      await sleep(100);
    }
  })();
  let pid = 0;
  let killedAt: string | undefined;
  const error = await runner
    .run({
      onStart: (p) => (pid = p),
      onLine: (line) => {
        if (line === 'PHASE_START write' && !killedAt) {
          killedAt = 'write';
          setTimeout(() => process.kill(pid, 'SIGKILL'), 3000);
        }
      },
    })
    .then(() => undefined)
    .catch((e: unknown) => e);
  polling = false;
  await poller;
  const after = await current();
  return [
    check(
      'the batch run was killed in its write phase and failed with a clear error',
      killedAt === 'write' && error instanceof BatchError,
      error instanceof Error ? error.message.split('\n')[0]! : 'the run was not killed',
    ),
    check('the old model is still current', after === old, `current ${after}, before ${old}`),
    check(
      'the API kept serving the old model through the run, no failed request',
      seen.failed === 0 && seen.versions.size === 1 && seen.versions.has(old),
      `${fmt(seen.requests)} requests, ${seen.failed} failed, versions served: ${[...seen.versions].join(', ')}`,
    ),
  ];
}

export const drills: Record<DrillName, (ctx: DrillContext) => Promise<DrillCheck[]>> = {
  taskmanager,
  kafka: kafkaDrill,
  cassandra: cassandraDrill,
  freeze: (ctx) => cassandraFreeze(ctx),
  batch: batchDrill,
  announce: (ctx) => announceDrill(ctx),
  jobmanager: jobmanagerDrill,
};

/**
 * The environment of a drill system named `name` (its own keyspace, topics, jobs, model and
 * archive), with trending windows of 10 min sliding by 1: the jobmanager drill closes two of them
 * within minutes.
 */
export function drillEnv(name: string, options: { archiveRoot?: string } = {}): Record<string, string | undefined> {
  return { ...isolatedEnv(name, options), ...JOBMANAGER_DRILL_ENV };
}

export function formatChecks(name: string, checks: readonly DrillCheck[], seconds: number): string {
  return [`drill ${name} (${seconds.toFixed(0)} s)`, ...checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`)].join('\n');
}

/**
 * The system the drills break: what `npm start` runs (ml-latest-small split by time, first batch,
 * Flink jobs, API), in the given environment, with its replay run to the end first.
 */
export async function startDrillSystem({
  stack,
  env,
  log,
  signal,
}: {
  stack: StackConfig;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  signal: AbortSignal;
}): Promise<RunningSystem> {
  const jobs = loadJobsConfig(env);
  await createStack({ config: stack, log }).up();
  await ensureTopics(kafkaClient(stack, 'moviereco-drills'), [
    { topic: jobs.topics.ratings, partitions: 4 },
    { topic: jobs.topics.dlq, partitions: 1 },
  ]);
  const system = await startSystem({ stack, env, dataset: 'ml-latest-small', historyFraction: 0.9, rate: 2000, log, signal });
  await system.replay;
  return system;
}

/** Stops the API and cancels the environment's jobs (their last checkpoints stay for the next deploy). */
export async function stopDrillSystem(
  system: RunningSystem | undefined,
  { stack, env }: { stack: StackConfig; env: Record<string, string | undefined> },
): Promise<void> {
  await system?.stop();
  const { prefix } = loadJobsConfig(env);
  const flink = createFlinkClient({ rest: stack.flink });
  for (const j of await flink.listJobs()) if (j.name.startsWith(prefix) && ACTIVE_STATES.includes(j.state)) await flink.cancel(j.jid).catch(() => undefined);
}
