/**
 * What the speed layer buys, measured on the real system. A MovieLens dataset is split by time:
 * the older ratings are the history the first model is trained on; of the newer ones, each
 * user's first half is replayed through Kafka into the running Flink jobs and the rest is held
 * out. For every user with held-out ratings, the top-k lists the API would serve are judged on
 * those later ratings (relevant = 4 stars or more):
 *   popular   what a user gets with no model at all
 *   stale     the batch model trained on the history only (no speed layer)
 *   speed     the speed layer's fold-in of the replayed ratings on that same model
 *   retrain   a full batch run over the history plus the archived replayed ratings
 * Each list goes through the API's own choice (chooseRecommendations), with every movie the user
 * has rated up to the held-out part excluded, so the lists differ only in the model behind them.
 * Runs in its own keyspace, topics, jobs and archive (see tools/speed-report.ts); starts clean.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createCassandraStore } from '../../serving/cassandra-store.ts';
import { createCatalog, type Catalog } from '../../serving/catalog.ts';
import { chooseRecommendations } from '../../serving/recommend.ts';
import type { CurrentModel, RecommendationRow, UserRating } from '../../serving/store.ts';
import { DATA_DIR, findDataset } from '../../ingest/datasets/dataset.ts';
import { loadDataset } from '../../ingest/datasets/load.ts';
import type { StackConfig } from '../../infra/config.ts';
import { createStack } from '../../infra/stack.ts';
import { createCodec } from '../../schemas/avro.ts';
import { loadBatchConfig } from '../../batch/config.ts';
import { createBatchRunner, type BatchResult } from '../../batch/runner.ts';
import { createControlPlane } from '../../speed/control-plane.ts';
import { createFlinkClient } from '../../speed/flink-client.ts';
import { ACTIVE_STATES } from '../../speed/plan.ts';
import { createRatingSink } from '../../ingest/rating-sink.ts';
import { ratingEventId } from '../../ingest/ratings-csv.ts';
import { replayRatings } from '../../ingest/replay.ts';
import { loadJobsConfig } from '../../speed/jobs.ts';
import { PipelineError } from '../../lib/errors.ts';
import { recreateTopics } from '../../lib/kafka-admin.ts';
import { formatDuration } from '../../lib/progress.ts';
import { createWebHdfs } from '../../lib/webhdfs.ts';
import { archivedAll, settledSpeedRows } from '../settle.ts';
import { splitByTime } from '../split.ts';
import { meanScores, rankingAt, splitPerUser, standardError, type RankingScores, type TimedRating } from './ranking.ts';
import { cassandraClient, kafkaClient } from '../../lib/platform.ts';
import { platformOf } from '../../infra/platform.ts';

export interface SpeedReportOptions {
  stack: StackConfig;
  /** the isolated environment: CASSANDRA_KEYSPACE, JOBS_*, BATCH_MODEL_NAME, ARCHIVE_PATH, … */
  env: Record<string, string | undefined>;
  dataset?: string;
  /** the share of ratings, by time, that is history */
  historyFraction?: number;
  k?: number;
  log?: (line: string) => void;
}

export const SERVED_BY = ['popular', 'stale', 'speed', 'retrain'] as const;
export type ServedBy = (typeof SERVED_BY)[number];

export interface SegmentScores {
  /** users judged: all, those the history knew, those new in the newer period */
  segment: 'all' | 'known' | 'new';
  users: number;
  scores: Record<ServedBy, RankingScores>;
  /** standard error of the mean NDCG: with a few dozen users, differences below about twice this are noise */
  ndcgStdError: Record<ServedBy, number>;
}

export interface SpeedReport {
  dataset: string;
  /** the batch models' kind (BATCH_IMPLICIT) */
  feedback: 'explicit' | 'implicit';
  k: number;
  splitAt: string;
  history: number;
  replayed: number;
  heldOut: number;
  judgedUsers: number;
  /** where the speed list really came from (a user whose speed row was missing would get the batch row) */
  speedSources: Record<string, number>;
  models: { stale: Pick<BatchResult, 'version' | 'seconds'> & { ratings: number }; retrain: Pick<BatchResult, 'version' | 'seconds'> & { ratings: number } };
  segments: SegmentScores[];
  seconds: number;
}

async function readRatings(file: string, keep: (userId: number) => boolean = () => true): Promise<TimedRating[]> {
  const out: TimedRating[] = [];
  let header = true;
  for await (const line of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
    if (header) {
      header = false;
      continue;
    }
    const [u, m, r, t] = line.split(',').map(Number);
    if (u === undefined || m === undefined || r === undefined || t === undefined || ![u, m, r, t].every(Number.isFinite)) continue;
    if (keep(u)) out.push({ userId: u, movieId: m, rating: r, ratedAt: t });
  }
  return out;
}

export async function runSpeedReport(o: SpeedReportOptions): Promise<SpeedReport> {
  const { stack, env } = o;
  const log = o.log ?? ((line: string) => console.log(line));
  const k = o.k ?? 10;
  const started = performance.now();
  const jobs = loadJobsConfig(env);
  const keyspace = stack.cassandra.keyspace;
  const hdfs = createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user });
  const kafka = kafkaClient(stack, 'moviereco-report');

  log('1/8 stack');
  await createStack({ config: stack, log }).up();

  log('2/8 dataset, split by time');
  const found = await findDataset(o.dataset ?? 'ml-latest-small', { log });
  const outDir = path.join(DATA_DIR, 'report', found.name);
  const split = await splitByTime(found.dir, outDir, o.historyFraction ?? 0.9);
  const { replay, heldOut } = splitPerUser(await readRatings(split.liveFile));
  const replayFile = path.join(outDir, 'replay.csv');
  fs.writeFileSync(replayFile, `userId,movieId,rating,timestamp\n${replay.map((r) => `${r.userId},${r.movieId},${r.rating},${r.ratedAt}`).join('\n')}\n`);
  const judged = [...heldOut.keys()].sort((a, b) => a - b);
  const heldOutCount = [...heldOut.values()].reduce((n, l) => n + l.length, 0);
  log(
    `   ${found.name}: ${split.history.toLocaleString('en-US')} ratings before ${new Date(split.splitAt * 1000).toISOString().slice(0, 10)} as history; of the ${split.live.toLocaleString('en-US')} newer ones, ${replay.length.toLocaleString('en-US')} replayed and ${heldOutCount.toLocaleString('en-US')} held out (${judged.length} users)`,
  );

  log(`3/8 a clean environment (keyspace ${keyspace}, jobs ${jobs.prefix}*, topic ${jobs.topics.ratings}, archive ${jobs.archive.path})`);
  const flink = createFlinkClient({ rest: stack.flink });
  for (const j of await flink.listJobs()) {
    if (j.name.startsWith(jobs.prefix) && ACTIVE_STATES.includes(j.state)) await flink.cancel(j.jid);
  }
  const admin = cassandraClient(stack);
  try {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await admin.shutdown();
  }
  await hdfs.remove(jobs.archive.path).catch(() => false);
  await recreateTopics(kafka, [
    { topic: jobs.topics.ratings, partitions: 4 },
    { topic: jobs.topics.dlq, partitions: 1 },
  ]);

  log('4/8 history into HDFS, the stale model');
  const historyName = `${found.name}-report-history`;
  const batchEnv = { ...env, BATCH_DATASET: historyName };
  const client = cassandraClient(stack);
  try {
    await loadDataset({
      dataset: { name: historyName, dir: split.historyDir, source: 'path' },
      hdfs,
      cassandra: client,
      keyspace,
      replication: stack.cassandra.replication,
      rejectsFile: path.join(stack.dirs.logs, 'report-load-rejects.jsonl'),
      log: (l) => log(`   ${l}`),
    });
  } finally {
    await client.shutdown();
  }
  const runner = createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(batchEnv), log: (l) => log(`   ${l}`) });
  const stale = await runner.run();

  const store = createCassandraStore({
    client: cassandraClient(stack, keyspace),
    trendingWindow: `${jobs.trending.windowMinutes}m/${jobs.trending.slideMinutes}m`,
  });
  try {
    const snapshot = async (): Promise<{ model: CurrentModel; catalog: Catalog; rows: Map<number, RecommendationRow | undefined> }> => {
      const model = await store.currentModel(loadBatchConfig(batchEnv).modelName);
      if (!model) throw new PipelineError('no current model after a batch run');
      const rows = new Map<number, RecommendationRow | undefined>();
      for (const user of judged) rows.set(user, await store.batchRow(user, model.version));
      return { model, catalog: createCatalog(await store.allMovies()), rows };
    };
    const before = await snapshot();

    log('5/8 the speed layer');
    const plane = createControlPlane({ platform: platformOf(stack), jobs, log: (l) => log(`   ${l}`) });
    await plane.deploy({ fresh: true });

    log(`6/8 replay of ${replay.length.toLocaleString('en-US')} ratings`);
    const sink = createRatingSink('kafkajs', { kafka: stack.kafka, topic: jobs.topics.ratings, clientId: 'moviereco-report' });
    const summary = await replayRatings({
      file: replayFile,
      sink,
      codec: createCodec('rating-event'),
      rejectsFile: path.join(stack.dirs.logs, 'report-replay-rejects.jsonl'),
      progress: false,
    }).finally(() => sink.close());
    if (summary.produced !== replay.length)
      throw new PipelineError(`the replay produced ${summary.produced} of ${replay.length} ratings (${summary.rejected} rejected)`);
    const speedRows = await settledSpeedRows({ kafka, jobs, store }, judged);
    log(`   speed rows of ${judged.length} users settled`);

    log('7/8 the archive, and a full retrain over history + archive');
    await archivedAll(
      { hdfs, jobs },
      replay.map((r) => ratingEventId(r.userId, r.movieId, r.ratedAt * 1000)),
    );
    const retrain = await runner.run();
    const after = await snapshot();
    await Promise.all(plane.declarations.map((d) => plane.cancel(d.name).catch(() => undefined)));

    log('8/8 scores');
    const judgedSet = new Set(judged);
    const rated = new Map<number, UserRating[]>();
    const history = await readRatings(path.join(split.historyDir, 'ratings.csv'), (u) => judgedSet.has(u));
    const knownUsers = new Set(history.map((r) => r.userId));
    for (const r of [...history, ...replay.filter((x) => judgedSet.has(x.userId))]) {
      const list = rated.get(r.userId) ?? [];
      list.push({ movieId: r.movieId, rating: r.rating, ratedAt: r.ratedAt * 1000 });
      rated.set(r.userId, list);
    }
    const speedSources: Record<string, number> = {};
    const perUser: { userId: number; known: boolean; scores: Record<ServedBy, RankingScores> }[] = [];
    for (const userId of judged) {
      const seen = new Set((rated.get(userId) ?? []).map((r) => r.movieId));
      const relevant = new Set(
        heldOut
          .get(userId)!
          .filter((r) => r.rating >= 4 && !seen.has(r.movieId))
          .map((r) => r.movieId),
      );
      if (relevant.size === 0) continue;
      const base = { userId, rated: rated.get(userId) ?? [], limit: k };
      const lists = {
        popular: chooseRecommendations({ ...base, current: undefined, speed: undefined, batch: undefined, catalog: before.catalog }),
        stale: chooseRecommendations({ ...base, current: before.model, speed: undefined, batch: before.rows.get(userId), catalog: before.catalog }),
        speed: chooseRecommendations({ ...base, current: before.model, speed: speedRows.get(userId), batch: before.rows.get(userId), catalog: before.catalog }),
        retrain: chooseRecommendations({ ...base, current: after.model, speed: undefined, batch: after.rows.get(userId), catalog: after.catalog }),
      };
      speedSources[lists.speed.source] = (speedSources[lists.speed.source] ?? 0) + 1;
      const scores = Object.fromEntries(
        SERVED_BY.map((s) => [
          s,
          rankingAt(
            lists[s].items.map((i) => i.movieId),
            relevant,
            k,
          ),
        ]),
      ) as Record<ServedBy, RankingScores>;
      perUser.push({ userId, known: knownUsers.has(userId), scores });
    }
    const segment = (name: SegmentScores['segment'], users: typeof perUser): SegmentScores => ({
      segment: name,
      users: users.length,
      scores: Object.fromEntries(SERVED_BY.map((s) => [s, meanScores(users.map((u) => u.scores[s]))])) as Record<ServedBy, RankingScores>,
      ndcgStdError: Object.fromEntries(SERVED_BY.map((s) => [s, standardError(users.map((u) => u.scores[s].ndcg))])) as Record<ServedBy, number>,
    });
    const report: SpeedReport = {
      dataset: found.name,
      feedback: loadBatchConfig(batchEnv).implicit ? 'implicit' : 'explicit',
      k,
      splitAt: new Date(split.splitAt * 1000).toISOString(),
      history: split.history,
      replayed: replay.length,
      heldOut: heldOutCount,
      judgedUsers: perUser.length,
      speedSources,
      models: {
        stale: { version: stale.version, seconds: stale.seconds, ratings: stale.counts.ratings ?? 0 },
        retrain: { version: retrain.version, seconds: retrain.seconds, ratings: retrain.counts.ratings ?? 0 },
      },
      segments: [
        segment('all', perUser),
        segment(
          'known',
          perUser.filter((u) => u.known),
        ),
        segment(
          'new',
          perUser.filter((u) => !u.known),
        ),
      ],
      seconds: (performance.now() - started) / 1000,
    };
    log(`   done in ${formatDuration(report.seconds * 1000)}`);
    return report;
  } finally {
    await store.close();
  }
}

/** The report as a table: one row per segment and list, the metrics at k, and the ratio to the stale model's NDCG. */
export function formatSpeedReport(r: SpeedReport): string {
  const lines = [
    `speed-layer report on ${r.dataset}, ${r.feedback}-feedback ALS: history before ${r.splitAt.slice(0, 10)} (${r.history.toLocaleString('en-US')} ratings, model ${r.models.stale.version}); ${r.replayed.toLocaleString('en-US')} newer ratings replayed, ${r.heldOut.toLocaleString('en-US')} held out; retrain ${r.models.retrain.version} on ${r.models.retrain.ratings.toLocaleString('en-US')} ratings`,
    `speed lists served from: ${Object.entries(r.speedSources)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}`,
    '',
    `segment  users  served by  precision@${r.k}  recall@${r.k}  NDCG@${r.k} ± s.e.  hit@${r.k}  NDCG vs stale`,
  ];
  for (const s of r.segments) {
    for (const by of SERVED_BY) {
      const x = s.scores[by];
      const ratio = s.scores.stale.ndcg > 0 ? `${(x.ndcg / s.scores.stale.ndcg).toFixed(2)}×` : '-';
      lines.push(
        `${s.segment.padEnd(7)}  ${String(s.users).padStart(5)}  ${by.padEnd(9)}  ${x.precision.toFixed(4).padStart(12)}  ${x.recall.toFixed(4).padStart(9)}  ${x.ndcg.toFixed(4).padStart(7)} ± ${s.ndcgStdError[by].toFixed(4)}  ${x.hit.toFixed(3).padStart(6)}  ${ratio.padStart(13)}`,
      );
    }
  }
  return lines.join('\n');
}
