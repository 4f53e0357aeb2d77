/**
 * The speed layer on the real stack, deployed through tools/submit-job.ts into its own keyspace,
 * topics and archive folder, with a batch model trained on ml-latest-small:
 * the fold-in reproduces the batch user vectors; a rating changes the user's speed row within
 * moments; garbage goes to the DLQ while the job runs on; after an upgrade through a savepoint a
 * user's history is read again from Cassandra; trending windows are written. The TaskManager
 * killed mid-stream is the taskmanager drill (test/drills.it.test.ts); the batch over the archive
 * is in e2e.it.test.ts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATASETS } from '../ingest/datasets/dataset.ts';
import { loadConfig } from '../infra/config.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner, type BatchResult } from '../batch/runner.ts';
import { createFlinkClient } from '../speed/flink-client.ts';
import { createKafkaJsSink } from '../ingest/rating-sink.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { waitFor } from '../lib/wait-for.ts';
import { createCodec } from '../schemas/avro.ts';
import type { RatingEvent } from '../schemas/types.ts';
import { config as baseConfig, cancelJobs, consumeAll, createTopic, deleteTopic, runFlinkJobToLines, runTool, silentLog, uniqueName } from './helpers.ts';
import { cassandraClient } from '../lib/platform.ts';
import { platformOf } from '../infra/platform.ts';

const id = uniqueName('it_speed');
const keyspace = id;
const prefix = `${id.replaceAll('_', '-')}-`;
const topics = { ratings: `${id}_ratings`, dlq: `${id}_dlq` };
const modelName = id.replaceAll('_', '-');
const dataset = `${id}-ml`;
const archivePath = `/it/${id}/events`;
const env: Record<string, string> = {
  CASSANDRA_KEYSPACE: keyspace,
  JOBS_NAME_PREFIX: prefix,
  JOBS_TOPIC_RATINGS: topics.ratings,
  JOBS_TOPIC_DLQ: topics.dlq,
  BATCH_MODEL_NAME: modelName,
  BATCH_DATASET: dataset,
  // explicit ALS with biases here (the fold-in of b_u is checked); the implicit fold-in has its own check below
  BATCH_IMPLICIT: 'false',
  // the served model is the evaluation's fit with every user solved again from all ratings, as at
  // 32M (BATCH_FINAL_FIT=auto picks it for large data; small data would be fitted twice): one ALS
  // fit, and the fold-in check below is the check of that path. The implicit model takes the
  // small-data path (fitted again on all data), so both paths are checked against the fold-in.
  BATCH_FINAL_FIT: 'train',
  ARCHIVE_PATH: archivePath,
  ARCHIVE_ROLL_MS: '2000',
  JOBS_CHECKPOINT_INTERVAL_MS: '2000',
  TRENDING_WINDOW_MINUTES: '10',
  TRENDING_SLIDE_MINUTES: '5',
  // the trending test's events are dated up to 3 h ahead, so its windows lie beyond every earlier event
  RATINGS_MAX_FUTURE_SKEW_MS: String(4 * 3_600_000),
};
const stack = loadConfig({ ...process.env, ...env });
const hdfs = createWebHdfs({ baseUrl: baseConfig.hdfs.webUrl, user: baseConfig.hdfs.user });
const flink = createFlinkClient({ rest: baseConfig.flink });
const ratingCodec = createCodec('rating-event');
const deadLetters = createCodec('dead-letter');
const sink = createKafkaJsSink({ kafka: baseConfig.kafka, topic: topics.ratings, clientId: 'it-speed' });
const cql = cassandraClient(stack, keyspace);
let model: BatchResult;

function event(userId: number, movieId: number, rating: number, ratedAt: number): RatingEvent {
  return { eventId: `${userId}:${movieId}:${ratedAt}`, userId, movieId, rating, ratedAt, source: 'API', action: 'RATE' };
}

async function produce(events: RatingEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await sink.send(events.slice(i, i + 500).map((e) => ({ key: Buffer.from(String(e.userId)), value: ratingCodec.encode(e) })));
  }
}

interface SpeedRow {
  version: string;
  computedAt: number;
  movies: number[];
}

async function speedRow(userId: number): Promise<SpeedRow | undefined> {
  const row = (
    await cql.execute('SELECT model_version, computed_at, top_items FROM speed_recommendations WHERE user_id = ?', [userId], { prepare: true })
  ).first();
  if (!row) return undefined;
  return {
    version: row.get('model_version'),
    computedAt: row.get('computed_at').getTime(),
    movies: (row.get('top_items') as { movie_id: { toNumber(): number } }[]).map((i) => i.movie_id.toNumber()),
  };
}

async function rated(userId: number): Promise<Map<number, number>> {
  const rows = await cql.execute('SELECT movie_id, rating FROM user_ratings WHERE user_id = ?', [userId], { prepare: true, fetchSize: 10_000 });
  return new Map(rows.rows.map((r) => [r.get('movie_id').toNumber(), r.get('rating')]));
}

/** Waits for a speed row of the user computed after `since`. */
async function nextSpeedRow(userId: number, since: number, maxWaitMs = 20_000): Promise<SpeedRow> {
  return waitFor(
    async () => {
      const row = await speedRow(userId);
      return row && row.computedAt >= since ? row : undefined;
    },
    { delayMs: 20, maxWaitMs, description: `a speed row for user ${userId}` },
  );
}

async function batchMovies(userId: number): Promise<number[]> {
  const row = (
    await cql.execute('SELECT top_items FROM batch_recommendations WHERE user_id = ? AND model_version = ?', [userId, model.version], { prepare: true })
  ).first();
  return (row!.get('top_items') as { movie_id: { toNumber(): number } }[]).map((i) => i.movie_id.toNumber());
}

async function jobId(name: string): Promise<string> {
  const job = (await flink.listJobs()).find((j) => j.name === prefix + name && j.state === 'RUNNING');
  if (!job) throw new Error(`${prefix + name} is not running`);
  return job.jid;
}

beforeAll(async () => {
  await Promise.all([createTopic(topics.ratings, 4), createTopic(topics.dlq, 1)]);
  await hdfs.uploadFile(path.join(SHARED_DATASETS, 'ml-latest-small', 'ratings.csv'), `/movielens/${dataset}/ratings.csv`);
  model = await createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(env), log: silentLog }).run({ version: 'v20260201T000000Z' });
  const out = await runTool('submit-job', ['deploy'], env);
  expect(out).toMatch(/submit +.*speed-recommender/);
}, 1_500_000); // a hang guard: a Spark run and the jobs' deploys

afterAll(async () => {
  await cancelJobs(prefix);
  await sink.close();
  await cql.shutdown();
  await Promise.all([deleteTopic(topics.ratings), deleteTopic(topics.dlq)]).catch(() => undefined);
});

describe('speed layer > deploy', () => {
  it('a second deploy changes nothing; status shows every job running as declared', async () => {
    const out = await runTool('submit-job', ['deploy'], env);
    expect(out.trim().split('\n')).toEqual([
      expect.stringMatching(/^keep +.*speed-recommender .*running as declared$/),
      expect.stringMatching(/^keep +.*archive .*running as declared$/),
      expect.stringMatching(/^keep +.*trending .*running as declared$/),
      expect.stringMatching(/^keep +.*online-eval .*running as declared$/),
    ]);
    const status = await runTool('submit-job', ['status'], env);
    expect(status.match(/ RUNNING .* none$/gm)).toHaveLength(4);
    const dry = await runTool('submit-job', ['rescale', 'speed-recommender', '2', '--dry-run'], { ...env, JOBS_NAME_PREFIX: prefix });
    expect(dry).toMatch(/\(dry run\) upgrade .*stop-with-savepoint: parallelism 1 → 2/);
  });

  it('a bad job name or parallelism is refused with a clear message', async () => {
    await expect(runTool('submit-job', ['upgrade', 'no-such-job'], env)).rejects.toThrow(/no declared job no-such-job; declared: /);
    await expect(runTool('submit-job', ['rescale', 'speed-recommender', 'zero'], env)).rejects.toThrow(/parallelism must be a positive integer/);
  });
});

describe('speed layer > fold-in', () => {
  it("a model served from the evaluation fit (one ALS fit): folding in a user's ratings with its item factors gives its user vector and bias (|Δ| < 1e-5)", async () => {
    expect(model.counts.als_fits).toBe(1);
    expect(model.counts.recommended_users).toBe(610);
    const lines = await runFlinkJobToLines('moviereco.flink.tools.FoldInCheckJob', [
      '--model',
      `${baseConfig.hdfs.url}/models/${modelName}/${model.version}`,
      '--ratings',
      `${baseConfig.hdfs.url}/movielens/${dataset}/ratings.csv`,
    ]);
    const rows = lines.map((l) => l.split(',')).map(([user, n, dx, db]) => ({ user: Number(user), n: Number(n), dx: Number(dx), db: Number(db) }));
    expect(rows).toHaveLength(610);
    // the served item factors are the evaluation fit's: a movie rated only among the held-out 20%
    // has none, and its ratings count neither in the served vectors nor in the fold-in
    const folded = rows.reduce((s, r) => s + r.n, 0);
    expect(folded).toBeGreaterThan(0.8 * 100_836);
    expect(folded).toBeLessThanOrEqual(100_836);
    const worst = Math.max(...rows.map((r) => r.dx));
    const worstBias = Math.max(...rows.map((r) => r.db));
    console.log(
      `one-fit model: fold-in vs served user factors over 610 users (${folded.toLocaleString('en-US')} of 100,836 ratings on movies with factors): max |Δx| ${worst.toExponential(2)}, max |Δb_u| ${worstBias.toExponential(2)}; RMSE ${model.metrics.rmse?.toFixed(4)}`,
    );
    expect(worst).toBeLessThan(1e-5);
    expect(worstBias).toBeLessThan(1e-5);
  }, 300_000);

  it('and for an implicit-feedback model, fitted again on all data: the confidence-weighted fold-in reproduces the batch user vector (|Δ| < 1e-5)', async () => {
    const implicitEnv = { ...env, BATCH_IMPLICIT: 'true', BATCH_FINAL_FIT: 'auto', BATCH_MODEL_NAME: `${modelName}-implicit` };
    const implicit = await createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(implicitEnv), log: silentLog }).run({
      version: 'v20260201T000001Z',
    });
    expect(implicit.metrics.rmse).toBeUndefined(); // preferences, not ratings
    expect(implicit.metrics['ndcg@10']).toBeGreaterThan(0);
    const lines = await runFlinkJobToLines('moviereco.flink.tools.FoldInCheckJob', [
      '--model',
      `${baseConfig.hdfs.url}/models/${modelName}-implicit/${implicit.version}`,
      '--ratings',
      `${baseConfig.hdfs.url}/movielens/${dataset}/ratings.csv`,
    ]);
    const rows = lines.map((l) => l.split(',')).map(([user, n, dx]) => ({ user: Number(user), n: Number(n), dx: Number(dx) }));
    expect(rows).toHaveLength(610);
    const worst = Math.max(...rows.map((r) => r.dx));
    console.log(
      `implicit fold-in vs ALS user factors over 610 users: max |Δx| ${worst.toExponential(2)}; NDCG@10 ${implicit.metrics['ndcg@10']!.toFixed(4)} (popularity ${implicit.metrics['popularity_ndcg@10']!.toFixed(4)})`,
    );
    expect(worst).toBeLessThan(1e-5);
  }, 1_200_000); // a hang guard: a Spark run of two fits (330 s in the last CI)
});

describe('speed layer > recommendations', () => {
  it("a rating produced to Kafka changes that user's speed row; an event older than the model only updates history", async () => {
    const before = await batchMovies(1);
    const top = before[0]!;
    const sent = Date.now();
    // user 1 rates its best batch recommendation badly; user 2 rates a movie before the model's cutoff
    await produce([event(1, top, 0.5, sent), event(2, 999_002, 4, model.dataCutoff - 86_400_000)]);
    const row = await nextSpeedRow(1, sent);
    console.log(`speed row of user 1 visible ${Date.now() - sent} ms after the rating was produced`);
    expect(row.version).toBe(model.version);
    expect(row.movies).toHaveLength(100);
    expect(row.movies).not.toContain(top);
    // the rating and the speed row are one mutation, applied table by table: a read can land between
    const history = await waitFor(
      async () => {
        const h = await rated(1);
        return h.get(top) === 0.5 ? h : undefined;
      },
      { delayMs: 100, maxWaitMs: 10_000, description: 'user 1 history holds the new rating' },
    );
    for (const m of row.movies) expect(history.has(m)).toBe(false);
    expect(row.movies).not.toEqual(before.filter((m) => m !== top).slice(0, 100));
    // the old event reached user_ratings but computed nothing
    await waitFor(async () => ((await rated(2)).get(999_002) === 4 ? true : undefined), { delayMs: 100, maxWaitMs: 10_000, description: 'user 2 history' });
    expect(await speedRow(2)).toBeUndefined();
  });

  it('garbage bytes and invalid ratings land in the DLQ with their reason and origin while the job keeps running', async () => {
    await sink.send([
      { key: Buffer.from('42'), value: Buffer.from('this is not avro') },
      { key: Buffer.from('43'), value: ratingCodec.encode(event(43, 1, 7, Date.now())) },
    ]);
    const sent = Date.now();
    await produce([event(3, 1, 5, sent)]);
    await nextSpeedRow(3, sent);
    const letters = await waitFor(
      async () => {
        const records = await consumeAll(topics.dlq);
        return records.length >= 2 ? records : undefined;
      },
      { delayMs: 500, maxWaitMs: 30_000, description: 'two dead letters' },
    );
    const decoded = letters.map((r) => ({ key: r.key?.toString(), ...deadLetters.decode(r.value) }));
    expect(decoded.map((d) => d.key).sort()).toEqual(['42', '43']);
    for (const d of decoded) {
      expect(d.stage).toBe(`${prefix}speed-recommender`);
      expect(d.originTopic).toBe(topics.ratings);
      expect(d.reason).toMatch(/^(undecodable|invalid) RatingEvent/);
      expect(d.originOffset).toBeGreaterThanOrEqual(0);
    }
    expect(Buffer.from(decoded.find((d) => d.key === '42')!.payload!).toString()).toBe('this is not avro');
    expect((await flink.job(await jobId('speed-recommender'))).state).toBe('RUNNING');
  });

  it("an upgrade through a savepoint reads each user's history again from Cassandra", async () => {
    // the savepoint holds the flags, waiting ratings and unwritten rows, not the histories
    // (docs/speed.md, State): after the upgrade a user's history is read again, with every rating
    // the job wrote before it
    const user = 5;
    const history = await rated(user);
    const first = Date.now();
    await produce([event(user, 999_005, 5, first)]);
    await nextSpeedRow(user, first);
    await waitFor(async () => ((await rated(user)).has(999_005) ? true : undefined), {
      delayMs: 100,
      maxWaitMs: 10_000,
      description: 'the rating in user_ratings',
    });
    const oldJid = await jobId('speed-recommender');
    const out = await runTool('submit-job', ['upgrade', 'speed-recommender'], env);
    expect(out).toMatch(/stopped .*speed-recommender with savepoint \S+/);
    const newJid = await jobId('speed-recommender');
    expect(newJid).not.toBe(oldJid);
    const second = Date.now();
    await produce([event(user, 999_006, 4, second)]);
    const row = await nextSpeedRow(user, second, 60_000);
    // the new job read the user's history (the only user rating since the upgrade)
    const foldIn = (await flink.job(newJid)).vertices.find((v) => /\bfold-in\b/.test(v.name));
    expect(foldIn).toBeDefined();
    await waitFor(async () => (((await flink.vertexMetric(newJid, foldIn!.id, 'fold-in.usersSeeded')) ?? 0) >= 1 ? true : undefined), {
      delayMs: 500,
      maxWaitMs: 15_000,
      description: "the upgraded job's fold-in.usersSeeded",
    });
    // every movie the user rated before the upgrade is still excluded, the one streamed before it too
    for (const m of [...history.keys(), 999_005]) expect(row.movies).not.toContain(m);
    const after = await rated(user);
    for (const m of [...history.keys(), 999_005, 999_006]) expect(after.has(m)).toBe(true);
    expect(await runTool('submit-job', ['deploy'], env)).not.toMatch(/submit|upgrade/);
  }, 240_000);
});

describe('speed layer > trending', () => {
  it('counts ratings per movie in event-time sliding windows and writes each closed window', async () => {
    // event time ahead of every earlier test's events, or the watermark would already be past these windows
    const t0 = Date.now() + 3_600_000;
    // one user, so one partition: the later events cannot overtake the old ones (read from another
    // partition first, they would move the watermark past the old windows and make them late)
    const old = [
      ...Array.from({ length: 20 }, (_, i) => event(100, 888_001, 4, t0 + i)),
      ...Array.from({ length: 10 }, (_, i) => event(100, 888_002, 4, t0 + 20 + i)),
    ];
    const later = Array.from({ length: 5 }, (_, i) => event(100, 888_003, 3, t0 + 2 * 3_600_000 + i));
    await produce([...old, ...later]);
    const windowEnd = Math.floor(t0 / 300_000) * 300_000 + 300_000;
    const row = await waitFor(
      async () => {
        const r = (
          await cql.execute('SELECT items FROM trending WHERE window_name = ? AND window_end = ?', ['10m/5m', new Date(windowEnd)], { prepare: true })
        ).first();
        return r ?? undefined;
      },
      { delayMs: 500, maxWaitMs: 60_000, description: 'the trending row of the old window' },
    );
    const items = (row.get('items') as { movie_id: { toNumber(): number }; score: number }[]).map((i) => [i.movie_id.toNumber(), i.score]);
    expect(items).toEqual([
      [888_001, 20],
      [888_002, 10],
    ]);
  }, 120_000);
});
