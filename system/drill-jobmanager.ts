/**
 * The `jobmanager` drill: `kill -9` of the Flink JobManager. There is no HA, so the JobManager
 * started again lists none of the jobs; `jobs deploy` must resume each from its newest retained
 * checkpoint on the file system (`speed/retained-checkpoints.ts`), keyed state included.
 *
 *   1. New users rate: twins A (all their ratings, no failure) and B (the first half); one user
 *      rates a movie of its own into an event-time trending window W1 and the next window W2
 *      (sliding windows overlap, so W2 holds those ratings too), and a later rating of another
 *      movie closes W1. Wait until the speed rows and W1's trending row are written and every
 *      job has checkpointed all of it (lag 0 at the committed offsets).
 *   2. kill -9 the JobManager, start it again (`engines.up(['flink'])`), `deploy`.
 *   3. B rates the second half; more ratings of the trending movie into W2; W2 is closed.
 *   4. Checks: every job was resubmitted from a retained checkpoint and reports that restore;
 *      B's speed rows equal A's; W2 counts the trending movie's ratings from before the kill too.
 *
 * The speed-row check alone would also pass after a fresh start (the speed job reads a user's
 * ratings back from Cassandra on first sight); the restore check and the trending count are the
 * ones a lost state fails. Trending needs windows that close within minutes: event times may run
 * at most RATINGS_MAX_FUTURE_SKEW_MS ahead, so the drill needs a slide of a few minutes at most
 * (`JOBMANAGER_DRILL_ENV`; with the default 60-minute slide the trending check fails and says so).
 * Killing the JobManager ends every job of the session cluster, other environments' too: those
 * come back with their own `deploy` (which now resumes them from their retained checkpoints).
 */
import { platformOf } from '../infra/platform.ts';
import { ratingEventId } from '../ingest/ratings-csv.ts';
import { consumerLag } from '../lib/kafka-admin.ts';
import { cassandraClient } from '../lib/platform.ts';
import { waitFor } from '../lib/wait-for.ts';
import type { RatingEvent } from '../schemas/types.ts';
import { createControlPlane, type ApplyResult } from '../speed/control-plane.ts';
import {
  check,
  differingTwins,
  type DrillCheck,
  type DrillContext,
  fmt,
  parts,
  popularMovies,
  ratingSender,
  runningJob,
  sleep,
  twinUsers,
  withStore,
} from './drill-kit.ts';
import { settledSpeedRows } from './settle.ts';

/** Settings the drill's environment should have: trending windows that close within the drill. */
export const JOBMANAGER_DRILL_ENV: Readonly<Record<string, string>> = { TRENDING_WINDOW_MINUTES: '10', TRENDING_SLIDE_MINUTES: '1' };

/** The trending job's watermark lag (its `--out.of.orderness.seconds` default; jobs.ts does not set it). */
const OUT_OF_ORDERNESS_MS = 60_000;
/** How long the drill may wait for wall-clock time to make its trending windows closable. */
const MAX_CLOCK_WAIT_MS = 5 * 60_000;

/** A file path of a checkpoint URI (file:/x, file:///x), to compare what Flink reports with what was asked for. */
const localPath = (uri: string | undefined) => uri?.replace(/^file:\/*/, '/').replace(/\/+$/, '');

export async function jobmanagerDrill(ctx: DrillContext): Promise<DrillCheck[]> {
  const { jobs, speedJob, engines, flink, kafka } = parts(ctx);
  const controlPlane = createControlPlane({ platform: platformOf(ctx.stack), jobs, log: (line) => ctx.log(`  ${line}`) });
  const jobNames = controlPlane.declarations.map((d) => d.name);
  const trendingJob = `${jobs.prefix}trending`;

  const before = await Promise.all(jobNames.map((name) => runningJob(flink, name)));
  const notRunning = jobNames.filter((_, i) => before[i]?.state !== 'RUNNING');
  if (notRunning.length > 0) return [check('every declared job runs before the drill', false, `not running: ${notRunning.join(', ')}`)];

  // trending: W1 and W2 = W1 + slide, both later than any watermark so far (no rating is accepted
  // more than the skew ahead of the clock, so no watermark is past now + skew - out-of-orderness)
  const slideMs = jobs.trending.slideMinutes * 60_000;
  const sizeMs = jobs.trending.windowMinutes * 60_000;
  const skewMs = jobs.maxFutureSkewMs;
  const windowName = `${jobs.trending.windowMinutes}m/${jobs.trending.slideMinutes}m`;
  const t0 = Date.now();
  const w1 = Math.ceil((t0 + skewMs - OUT_OF_ORDERNESS_MS + 1000) / slideMs) * slideMs;
  const w2 = w1 + slideMs;
  // a window closes when a rating dated out-of-orderness past its end is read: dated at most the skew ahead
  const closers = [w1, w2].map((w) => w + OUT_OF_ORDERNESS_MS + 1000);
  const trendingFeasible = sizeMs >= 2 * slideMs && slideMs > 3000 && closers[1]! - skewMs - t0 <= MAX_CLOCK_WAIT_MS;
  const untilClock = async (eventTime: number) => {
    const wait = eventTime - skewMs + 2000 - Date.now();
    if (wait > 0) await sleep(wait);
  };

  const { send, close } = ratingSender(ctx, jobs.topics.ratings, 'moviereco-drill-jm');
  const event = (userId: number, movieId: number, rating: number, ratedAt: number): RatingEvent => ({
    eventId: ratingEventId(userId, movieId, ratedAt),
    userId,
    movieId,
    rating,
    ratedAt,
    source: 'API',
    action: 'RATE',
  });

  // twin groups of new users (as in the taskmanager drill): A rates everything, B half before the kill, half after
  const movies = await popularMovies(ctx);
  const base = 950_000_000 + (Math.floor(Date.now() / 1000) % 100_000) * 1000;
  const twins = twinUsers(movies, { users: 20, perUser: 12, idBase: base });
  const { users, perUser, a, usersA, usersB } = twins;
  const bFirst = twins.b.filter((_, k) => k % perUser < perUser / 2);
  const bSecond = twins.b.filter((_, k) => k % perUser >= perUser / 2);
  // the trending user and movies: ids outside the catalogue, so nothing else counts them; one user, so
  // one partition, and its ratings are read in the order they were produced
  const trendUser = base + 999;
  const trendMovie = 2_000_000_000 + (base % 100_000_000);
  const closerMovie = trendMovie + 1;
  const beforeKill = 30;
  const afterKill = 20;

  const cql = cassandraClient(ctx.stack, ctx.stack.cassandra.keyspace);
  const trendingCount = async (windowEnd: number) => {
    const row = (
      await cql.execute('SELECT items FROM trending WHERE window_name = ? AND window_end = ?', [windowName, new Date(windowEnd)], { prepare: true })
    ).first();
    if (!row) return undefined;
    const items = row.get('items') as { movie_id: { toNumber(): number }; score: number }[];
    return items.find((i) => i.movie_id.toNumber() === trendMovie)?.score ?? 0;
  };
  const waitTrending = (windowEnd: number, expected: number) =>
    waitFor(
      async () => {
        const n = await trendingCount(windowEnd);
        return n !== undefined && n >= expected ? n : undefined;
      },
      { delayMs: 1000, maxWaitMs: 180_000, description: `the trending row of the window ending ${new Date(windowEnd).toISOString()}` },
    ).catch(async () => (await trendingCount(windowEnd)) ?? -1);
  const lagZero = (group: string) =>
    waitFor(async () => ((await consumerLag(kafka, group, jobs.topics.ratings).catch(() => undefined)) === 0 ? true : undefined), {
      delayMs: 1000,
      maxWaitMs: 180_000,
      description: `${group} committed every rating`,
    });

  try {
    return await withStore(ctx, async (store) => {
      // 1. before the kill
      await send([...a, ...bFirst]);
      let trendBefore: number | undefined;
      if (trendingFeasible) {
        await untilClock(w1 - 1000);
        await send(Array.from({ length: beforeKill }, (_, i) => event(trendUser, trendMovie, 4, w1 - 1000 + i * 10)));
        await untilClock(closers[0]!);
        await send([event(trendUser, closerMovie, 3, closers[0]!)]);
        trendBefore = await waitTrending(w1, beforeKill);
      }
      const rowsA = await settledSpeedRows({ kafka, jobs, store }, usersA);
      const rowsBBefore = await settledSpeedRows({ kafka, jobs, store }, usersB);
      await lagZero(trendingJob);
      // every job completes one more checkpoint, so the newest retained one holds all of the above
      const checkpointed = await Promise.all(before.map(async (j) => (await flink.checkpoints(j!.jid)).latest?.id ?? 0));
      await waitFor(
        async () => {
          const now = await Promise.all(before.map(async (j) => (await flink.checkpoints(j!.jid)).latest?.id ?? 0));
          return now.every((id, i) => id > checkpointed[i]!) ? true : undefined;
        },
        { delayMs: 500, maxWaitMs: 120_000, description: 'a checkpoint of every job after the ratings' },
      );

      // 2. kill -9 the JobManager, start it again, deploy
      const jm = (await engines.status()).find((r) => r.process === 'flink-jobmanager');
      if (!jm?.pid) return [check('a JobManager is running', false, 'none found')];
      process.kill(jm.pid, 'SIGKILL');
      const killedAt = Date.now();
      await waitFor(async () => ((await engines.status()).find((r) => r.process === 'flink-jobmanager')?.pid === jm.pid ? undefined : true), {
        delayMs: 250,
        maxWaitMs: 30_000,
        description: `JobManager ${jm.pid} gone`,
      });
      await engines.up(['flink']);
      const newJm = (await engines.status()).find((r) => r.process === 'flink-jobmanager');
      const listedAfterRestart = (await flink.listJobs()).filter((j) => jobNames.includes(j.name)).length;
      let results: ApplyResult[] = [];
      let deployError: unknown;
      try {
        results = await controlPlane.deploy();
      } catch (error) {
        deployError = error;
      }
      const recoveredSeconds = (Date.now() - killedAt) / 1000;
      const restores = await Promise.all(
        jobNames.map(async (name) => {
          const result = results.find((r) => r.action.job === name);
          const restoreFrom = result?.action.kind === 'submit' ? result.action.restoreFrom : undefined;
          const restored = result?.jid ? (await flink.checkpoints(result.jid).catch(() => undefined))?.restored : undefined;
          const ok =
            restoreFrom !== undefined &&
            /chk-\d+$/.test(localPath(restoreFrom) ?? '') &&
            restored !== undefined &&
            localPath(restored.path) === localPath(restoreFrom);
          return {
            name,
            ok,
            text: `${name}: ${restored ? `restored ${localPath(restored.path)} (id ${restored.id}, reported as ${restored.savepoint ? 'a savepoint' : 'a checkpoint'})` : `no restore (${result?.action.reason ?? 'no action'})`}`,
          };
        }),
      );

      const restartCheck = check(
        'the JobManager was killed and started again, forgetting the jobs',
        newJm?.pid !== undefined && newJm.pid !== jm.pid && listedAfterRestart === 0,
        `pid ${jm.pid} killed, new pid ${newJm?.pid}; ${listedAfterRestart} of the drill's jobs listed after the restart`,
      );
      const resumeCheck = check(
        'deploy resumed every job from its newest retained checkpoint',
        deployError === undefined && restores.every((r) => r.ok),
        `${restores.filter((r) => r.ok).length} of ${jobNames.length} jobs, all running ${recoveredSeconds.toFixed(1)} s after the kill${deployError ? `; deploy failed: ${deployError instanceof Error ? deployError.message : String(deployError)}` : ''}; ${restores.map((r) => r.text).join('; ')}`,
      );
      if (deployError !== undefined) return [restartCheck, resumeCheck];

      // 3. after the restart
      await send(bSecond);
      let trendAfter: number | undefined;
      if (trendingFeasible) {
        await send(Array.from({ length: afterKill }, (_, i) => event(trendUser, trendMovie, 4, w2 - 1000 + i * 10)));
        await untilClock(closers[1]!);
        await send([event(trendUser, closerMovie, 3, closers[1]!)]);
        trendAfter = await waitTrending(w2, beforeKill + afterKill);
      }
      const rowsB = await settledSpeedRows({ kafka, jobs, store }, usersB);
      const differing = differingTwins(twins, rowsA, rowsB);
      const recomputed = usersB.filter((u) => (rowsB.get(u)?.computedAt ?? 0) > killedAt && rowsB.get(u)?.computedAt !== rowsBBefore.get(u)?.computedAt).length;
      const speedAfter = await runningJob(flink, speedJob);

      // 4. what held
      return [
        restartCheck,
        resumeCheck,
        check(
          'speed rows of users who rated across the restart equal those of twins who rated the same without one',
          differing.length === 0 && recomputed === users && speedAfter?.state === 'RUNNING',
          `${users - differing.length} of ${users} users equal (${perUser} ratings each, ${perUser / 2} after the restart); ${recomputed} of ${users} rows recomputed after the kill`,
        ),
        trendingFeasible
          ? check(
              'the trending counts kept the ratings from before the kill',
              trendBefore === beforeKill && trendAfter === beforeKill + afterKill,
              `movie ${trendMovie}: ${trendBefore} in the window ending ${new Date(w1).toISOString()} (before the kill, ${beforeKill} expected); ${trendAfter} in the next one (${fmt(beforeKill)} before + ${fmt(afterKill)} after = ${fmt(beforeKill + afterKill)} expected; ${afterKill} would mean the window state was lost)`,
            )
          : check(
              'the trending counts kept the ratings from before the kill',
              false,
              `not checked: windows of ${windowName} cannot be closed within ${MAX_CLOCK_WAIT_MS / 60_000} min when ratings may be dated at most ${skewMs / 1000} s ahead; run the drill with ${Object.entries(
                JOBMANAGER_DRILL_ENV,
              )
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}`,
            ),
      ];
    });
  } finally {
    await close();
    await cql.shutdown();
  }
}
