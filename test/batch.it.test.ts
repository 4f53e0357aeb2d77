/**
 * The batch layer on the real stack with ml-latest-small: a run publishes a model (rows for all
 * 610 users, metrics, announcement on Kafka), a run killed mid-write leaves the old version
 * current, the next run succeeds, rollback works, and empty input fails clearly.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATASETS } from '../ingest/datasets/dataset.ts';
import { loadConfig } from '../infra/config.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { BatchError, createBatchRunner, type BatchResult } from '../batch/runner.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { formatArchiveLine } from '../schemas/archive.ts';
import { createCodec } from '../schemas/avro.ts';
import { config as baseConfig, consumeAll, uniqueName } from './helpers.ts';
import { cassandraClient } from '../lib/platform.ts';
import { platformOf } from '../infra/platform.ts';
import { waitFor } from '../lib/wait-for.ts';

const keyspace = uniqueName('it_batch');
const modelName = uniqueName('als').replaceAll('_', '-');
const stack = loadConfig({ ...process.env, CASSANDRA_KEYSPACE: keyspace });
const dataset = uniqueName('it-batch-ml');
// explicit ALS: the model whose RMSE is checked (the default, implicit, is run by the other tests)
const batch = loadBatchConfig({ BATCH_DATASET: dataset, BATCH_MODEL_NAME: modelName, BATCH_KEEP_VERSIONS: '5', BATCH_IMPLICIT: 'false' });
const runner = createBatchRunner({ platform: platformOf(stack), batch, log: () => {} });
const hdfs = createWebHdfs({ baseUrl: baseConfig.hdfs.webUrl, user: baseConfig.hdfs.user });
const published = createCodec('model-published');

async function current(): Promise<string | undefined> {
  const client = cassandraClient(stack);
  try {
    return (await client.execute(`SELECT version FROM ${keyspace}.current_model WHERE model_name = ?`, [modelName], { prepare: true })).first()?.get('version');
  } finally {
    await client.shutdown();
  }
}

async function announcements(): Promise<string[]> {
  return (await consumeAll('model-updates')).filter((r) => r.key?.toString() === modelName).map((r) => published.decode(r.value).version);
}

beforeAll(async () => {
  await hdfs.uploadFile(path.join(SHARED_DATASETS, 'ml-latest-small', 'ratings.csv'), `/movielens/${dataset}/ratings.csv`);
});

describe('batch > ALS over HDFS into Cassandra', () => {
  let first: BatchResult;

  it('a run publishes a model: rows for all 610 users without rated movies, metrics, factors, an announcement', async () => {
    first = await runner.run({ version: 'v20260101T000000Z' });
    expect(first.counts).toMatchObject({ ratings: 100_836, users: 610, recommended_users: 610, rejected: 0 });
    expect(first.metrics.rmse).toBeLessThan(first.metrics.baseline_rmse!);
    expect(first.metrics['ndcg@10']).toBeGreaterThan(0);
    expect(first.metrics['popularity_ndcg@10']).toBeGreaterThan(0);
    expect(await current()).toBe('v20260101T000000Z');

    const client = cassandraClient(stack);
    try {
      const recs = (
        await client.execute(
          `SELECT user_id, top_items, items FROM ${keyspace}.batch_recommendations WHERE model_version = ? ALLOW FILTERING`,
          ['v20260101T000000Z'],
          {
            prepare: true,
          },
        )
      ).rows;
      expect(recs).toHaveLength(610);
      const rated = new Map<string, Set<string>>();
      for await (const r of await client.execute(`SELECT user_id, movie_id FROM ${keyspace}.user_ratings`, [], { fetchSize: 20_000 })) {
        const u = r.get('user_id').toString();
        rated.set(u, (rated.get(u) ?? new Set()).add(r.get('movie_id').toString()));
      }
      expect([...rated.values()].reduce((n, s) => n + s.size, 0)).toBe(100_836);
      for (const r of recs) {
        // the top-N in one frozen cell; the non-frozen column of older versions stays empty
        expect(r.get('items')).toBeNull();
        const items = r.get('top_items') as { movie_id: { toString(): string }; score: number }[];
        expect(items).toHaveLength(100);
        expect(items.some((i) => rated.get(r.get('user_id').toString())!.has(i.movie_id.toString()))).toBe(false);
        expect(items.map((i) => i.score)).toEqual([...items.map((i) => i.score)].sort((a, b) => b - a));
      }
      const model = (
        await client.execute(`SELECT status, metrics FROM ${keyspace}.models WHERE model_name = ? AND version = ?`, [modelName, 'v20260101T000000Z'], {
          prepare: true,
        })
      ).first();
      expect(model?.get('status')).toBe('COMPLETE');
      expect(Object.keys(model?.get('metrics'))).toEqual(
        expect.arrayContaining(['rmse', 'mae', 'baseline_rmse', 'precision@10', 'recall@10', 'ndcg@10', 'map@10', 'coverage@10', 'popularity_ndcg@10']),
      );
      const similar = (await client.execute(`SELECT top_items, items FROM ${keyspace}.similar_movies WHERE movie_id = 1`)).first();
      expect(similar?.get('top_items')).toHaveLength(20);
      expect(similar?.get('items')).toBeNull();
    } finally {
      await client.shutdown();
    }
    expect((await hdfs.list(`/models/${modelName}/v20260101T000000Z`)).map((f) => f.pathSuffix).sort()).toEqual([
      'item-factors',
      'master',
      'master-inputs.txt',
      'metadata.json',
      'user-factors',
    ]);
    expect(await announcements()).toEqual(['v20260101T000000Z']);
  }, 1_200_000); // a hang guard: one Spark run, up to 9 minutes when the machine was slow

  it('a run killed mid-write leaves the old version current; the next run succeeds', async () => {
    let pid = 0;
    let killed = false;
    let overlap: unknown;
    const error = await runner
      .run({
        version: 'v20260102T000000Z',
        onLine: (line) => {
          if (line === 'PHASE_START write' && !killed) {
            killed = true;
            // killed once the version's registry row says WRITING: a fixed delay after the phase
            // starts was too short on a slow machine, where opening the job's session took longer
            void waitFor(async () => (await runner.status()).some((m) => m.version === 'v20260102T000000Z' && m.status === 'WRITING'), {
              delayMs: 250,
              maxWaitMs: 120_000,
              description: 'the killed run writing its version',
            }).then(() => process.kill(pid, 'SIGKILL'));
          }
        },
        onStart: async (p) => {
          pid = p;
          // runs never overlap: a second one is refused while this one holds the lock
          overlap = await runner.run({ version: 'v20260102T000001Z' }).catch((e: unknown) => e);
        },
      })
      .catch((e: unknown) => e);
    expect((overlap as Error).message).toMatch(/^a batch run is already in progress \(pid \d+/);
    expect(killed).toBe(true);
    expect(error).toBeInstanceOf(BatchError);
    expect((error as Error).message).toMatch(/^batch v20260102T000000Z failed \(SIGKILL\) after .*; the current model keeps serving/);
    expect(await current()).toBe('v20260101T000000Z');
    const statuses = Object.fromEntries((await runner.status()).map((m) => [m.version, m.status]));
    expect(statuses).toMatchObject({ v20260101T000000Z: 'COMPLETE', v20260102T000000Z: 'WRITING' });

    const next = await runner.run({ version: 'v20260103T000000Z' });
    expect(next.counts.recommended_users).toBe(610);
    expect(await current()).toBe('v20260103T000000Z');
    // the failed run's leftovers are cleaned up once a newer version is complete
    expect((await runner.status()).map((m) => m.version)).toEqual(['v20260103T000000Z', 'v20260101T000000Z']);
  }, 1_500_000); // a hang guard: two Spark runs, 2 to 9 minutes each on a CI machine

  it('rollback makes the older version current again and announces it', async () => {
    await expect(runner.rollback('v20260103T000000Z')).rejects.toThrow('already current');
    await expect(runner.rollback('v19990101T000000Z')).rejects.toThrow('no model version v19990101T000000Z');
    await runner.rollback('v20260101T000000Z');
    expect(await current()).toBe('v20260101T000000Z');
    expect(await announcements()).toEqual(['v20260101T000000Z', 'v20260103T000000Z', 'v20260101T000000Z']);
  });

  it('the next run reads the master its predecessor kept and only the archive files since: a rating streamed after one run is in the next exactly once', async () => {
    const archive = `/it/${dataset}/events`;
    const incremental = createBatchRunner({
      platform: platformOf(stack),
      batch: loadBatchConfig({ BATCH_DATASET: dataset, BATCH_MODEL_NAME: `${modelName}-incr`, BATCH_IMPLICIT: 'false', ARCHIVE_PATH: archive }),
      log: () => {},
    });
    const hourAgo = Date.now() - 3_600_000;
    const line = (userId: number, movieId: number, rating: number, at: number, eventId: string) =>
      formatArchiveLine({ userId, movieId, rating, ratedAtMillis: at, eventId });
    await hdfs.writeFile(
      `${archive}/date=1/part-a`,
      `${line(900_001, 1, 4, hourAgo, 'it-a')}
`,
    );
    const first = await incremental.run({ version: 'v20260107T000000Z' });
    expect(first.counts).toMatchObject({ master_snapshot: 0, event_files_read: 1, ratings: 100_836 + 1 });
    expect((await hdfs.list(`/models/${modelName}-incr/v20260107T000000Z`)).map((f) => f.pathSuffix)).toEqual(
      expect.arrayContaining(['master', 'master-inputs.txt']),
    );

    // after the run: a new rating, a deletion of a history rating (user 1 rated movie 1), and a
    // hidden file still being written, which no run reads
    await hdfs.writeFile(
      `${archive}/date=2/part-b`,
      `${line(900_001, 2, 5, hourAgo + 1, 'it-b')}
${line(1, 1, 0, hourAgo + 2, 'it-c')}
`,
    );
    await hdfs.writeFile(
      `${archive}/date=2/.part-c.inprogress`,
      `${line(900_001, 3, 5, hourAgo + 3, 'it-d')}
`,
    );
    const second = await incremental.run({ version: 'v20260108T000000Z' });
    // the kept master plus one file: +1 rating, -1 deleted; part-a's rating counted once, not twice
    expect(second.counts).toMatchObject({ master_snapshot: 1, event_files_read: 1, deleted_pairs: 1, ratings: 100_836 + 1 + 1 - 1, rejected: 0 });
    const client = cassandraClient(stack);
    try {
      const rows = await client.execute(`SELECT movie_id FROM ${keyspace}.user_ratings WHERE user_id = ?`, [900_001], { prepare: true });
      expect(rows.rows.map((r) => r.get('movie_id').toNumber()).sort()).toEqual([1, 2]);
    } finally {
      await client.shutdown();
    }
  }, 1_200_000); // a hang guard: two Spark runs

  it('empty input ends with a clear error and changes nothing', async () => {
    const emptyDataset = uniqueName('it-empty');
    await hdfs.writeFile(`/movielens/${emptyDataset}/ratings.csv`, 'userId,movieId,rating,timestamp\nnot,a,valid,row\n');
    const emptyRunner = createBatchRunner({
      platform: platformOf(stack),
      batch: loadBatchConfig({ BATCH_DATASET: emptyDataset, BATCH_MODEL_NAME: modelName, BATCH_IMPLICIT: 'false' }),
      log: () => {},
    });
    const error = await emptyRunner.run({ version: 'v20260104T000000Z' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no valid ratings in \/movielens\/it-empty.*nothing to train on/);
    expect(await current()).toBe('v20260101T000000Z');
  });

  it('every row the rating rule refuses is counted as rejected, none is trained on (ids 0 and 2^32+42, off-step ratings, future times)', async () => {
    const plantedDataset = uniqueName('it-planted');
    const good = Array.from({ length: 60 }, (_, i) => `${1 + (i % 6)},${1 + (i % 10)},${1 + (i % 5)}.0,1500000000`);
    const future = Math.floor(Date.now() / 1000) + 86_400 * 365 * 10;
    const bad = [
      '0,1,4.0,1500000000',
      '4294967338,1,4.0,1500000000',
      '1,2147483648,4.0,1500000000',
      '2,3,3.3,1500000000',
      '3,4,5.5,1500000000',
      `4,5,4.0,${future}`,
    ];
    await hdfs.writeFile(`/movielens/${plantedDataset}/ratings.csv`, `userId,movieId,rating,timestamp\n${[...good, ...bad].join('\n')}\n`);
    const plantedRunner = createBatchRunner({
      platform: platformOf(stack),
      batch: loadBatchConfig({
        BATCH_DATASET: plantedDataset,
        BATCH_MODEL_NAME: `${modelName}-planted`,
        BATCH_IMPLICIT: 'false',
        ARCHIVE_PATH: `/it/${plantedDataset}/none`,
      }),
      log: () => {},
    });
    const result = await plantedRunner.run({ version: 'v20260105T000000Z', extraArgs: ['--evaluate-only', 'true'] });
    expect(result.counts.rejected).toBe(bad.length);
    // 60 good rows of 30 distinct (user, movie) pairs: the master keeps one rating per pair
    expect(result.counts.ratings).toBe(new Set(good.map((l) => l.split(',').slice(0, 2).join())).size);
    expect(result.counts.users).toBe(6);
  });

  it('a hyperparameter search serves the best candidate: a planted one that cannot learn (reg 1000) loses', async () => {
    // three candidates, each an ALS fit of about a minute on a slow CI machine: the planted one
    // (the flags' reg 1000) and two that learn, so the best is chosen between two real ones
    const search = 'reg=0.1; rank=20,reg=0.1';
    const searchRunner = createBatchRunner({
      platform: platformOf(stack),
      // implicit (the default): candidates are judged by NDCG@10 on the same held-out ratings
      batch: loadBatchConfig({ BATCH_DATASET: dataset, BATCH_MODEL_NAME: `${modelName}-search`, BATCH_REG: '1000', BATCH_SEARCH: search }),
      log: () => {},
    });
    const result = await searchRunner.run({ version: 'v20260106T000000Z' });
    const m = result.metrics;
    const rows = [1, 2, 3].map((i) => ({
      candidate: i,
      rank: m[`search_${i}_rank`],
      reg: m[`search_${i}_reg`],
      alpha: m[`search_${i}_alpha`],
      ndcg: m[`search_${i}_ndcg@10`],
      precision: m[`search_${i}_precision@10`],
      seconds: m[`search_${i}_seconds`],
    }));
    console.log(
      `search on ml-latest-small (best: ${result.counts.search_best}):\n${rows.map((r) => `| ${r.candidate} | ${r.rank} | ${r.reg} | ${r.alpha} | ${r.ndcg?.toFixed(4)} | ${r.precision?.toFixed(4)} | ${r.seconds?.toFixed(1)} |`).join('\n')}`,
    );
    expect(result.counts).toMatchObject({ search_candidates: 3, search_tried: 3 });
    const best = result.counts.search_best!;
    expect(best).not.toBe(1);
    expect(m['search_2_ndcg@10']!).toBeGreaterThan(m['search_1_ndcg@10']!);
    for (const r of rows) expect(m[`search_${best}_ndcg@10`]!).toBeGreaterThanOrEqual(r.ndcg!);
    // the served model is the best candidate's: its metrics are the model's, its reg the model's
    expect(m['ndcg@10']).toBe(m[`search_${best}_ndcg@10`]);
    const row = (await searchRunner.status()).find((v) => v.version === 'v20260106T000000Z')!;
    expect(row.current).toBe(true);
    expect(Number(row.params.reg)).toBe(m[`search_${best}_reg`]);
    expect(Number(row.params.rank)).toBe(m[`search_${best}_rank`]);
  }, 1_200_000); // a hang guard: one Spark run of three fits
});
