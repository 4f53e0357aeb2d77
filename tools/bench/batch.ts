/**
 * Batch benchmark: the whole ALS batch on a generated ml-32m-sized dataset, wall time per phase
 * and the peak resident memory of the Spark JVM, in its own keyspace, model name and archive
 * folder, all dropped first (a clean start: runs are comparable). Two runs: the first on the
 * dataset alone, the second after --new-ratings streamed ratings (default 1% of the dataset,
 * random users and movies, dated now) are in the archive, as they would be a day later. Prints a
 * table and writes bench-results/.
 *
 *   SPARK_DRIVER_MB=5120 npm run bench:batch [-- --ratings 32000204 --new-ratings 320002 --runs 2]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DATA_DIR } from '../../ingest/datasets/dataset.ts';
import { generateDataset, ML_32M } from '../../ingest/datasets/generator.ts';
import { loadConfig } from '../../infra/config.ts';
import { loadBatchConfig } from '../../batch/config.ts';
import { createBatchRunner } from '../../batch/runner.ts';
import { createWebHdfs } from '../../lib/webhdfs.ts';
import { platformOf } from '../../infra/platform.ts';
import { cassandraClient } from '../../lib/platform.ts';
import { createRandom } from '../../ingest/datasets/random.ts';
import { ratingEventId } from '../../ingest/ratings-csv.ts';
import { formatArchiveLine } from '../../schemas/archive.ts';
import { sampleProc } from './proc-stats.ts';

const { values } = parseArgs({ options: { ratings: { type: 'string' }, 'new-ratings': { type: 'string' }, runs: { type: 'string', default: '2' } } });
const ratings = Number(values.ratings ?? ML_32M.ratings);
const newRatings = Number(values['new-ratings'] ?? Math.round(ratings / 100));
const runs = Number(values.runs);
if (!(runs === 1 || runs === 2) || !(newRatings >= 0)) throw new Error('--runs is 1 or 2, --new-ratings a count');
const name = ratings === ML_32M.ratings ? 'generated-32m-s42' : `generated-${ratings}-s42`;
const dir = path.join(DATA_DIR, 'generated', name);
if (!fs.existsSync(path.join(dir, 'ratings.csv'))) {
  await generateDataset({ outDir: dir, ratings, ...(ratings === ML_32M.ratings ? { users: ML_32M.users, movies: ML_32M.movies } : {}), seed: 42 });
}
const stack = loadConfig({ ...process.env, CASSANDRA_KEYSPACE: 'bench_batch' });
const hdfs = createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user });
const hdfsFile = `/movielens/${name}/ratings.csv`;
const local = fs.statSync(path.join(dir, 'ratings.csv')).size;
if (!(await hdfs.exists(hdfsFile)) || (await hdfs.list(`/movielens/${name}`)).find((f) => f.pathSuffix === 'ratings.csv')?.length !== local) {
  console.log(`uploading ${name}/ratings.csv to HDFS`);
  await hdfs.uploadFile(path.join(dir, 'ratings.csv'), hdfsFile);
}

// the bench's own archive: the main system's streamed events stay out of its input
const archive = '/bench/batch-events';
const batch = loadBatchConfig({ ...process.env, BATCH_DATASET: name, BATCH_MODEL_NAME: 'als-bench', ARCHIVE_PATH: archive });
// a clean start, so runs are comparable: no keyspace (its rows and tombstones) and no model folder from earlier runs
{
  const cql = cassandraClient(stack);
  try {
    await cql.execute('DROP KEYSPACE IF EXISTS bench_batch', [], { readTimeout: 120_000 });
  } finally {
    await cql.shutdown();
  }
  await hdfs.remove(`/models/${batch.modelName}`);
  await hdfs.remove(archive);
}
const runner = createBatchRunner({ platform: platformOf(stack), batch });

/** One run, with the peak resident memory of its Spark JVM. */
async function measuredRun() {
  let pid = 0;
  let peakKb = 0;
  // undefined before spark-submit starts and after it is gone
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, (pid && sampleProc(pid)?.hwmKb) || 0)), 500);
  try {
    const result = await runner.run({ onStart: (p) => (pid = p) });
    return { result, peakRssMb: Math.round(peakKb / 1024) };
  } finally {
    clearInterval(sampler);
  }
}

/** `count` ratings of random users and movies of the dataset, dated within the last hour, into the archive. */
async function streamNewRatings(count: number, users: number, seed: number): Promise<void> {
  const movieIds = fs
    .readFileSync(path.join(dir, 'movies.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => Number(l.slice(0, l.indexOf(','))));
  const random = createRandom(seed, 1);
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const userId = 1 + random.int(users);
    const movieId = movieIds[random.int(movieIds.length)]!;
    const ratedAtMillis = now - random.int(3_600_000);
    lines.push(formatArchiveLine({ userId, movieId, rating: (1 + random.int(10)) / 2, ratedAtMillis, eventId: ratingEventId(userId, movieId, ratedAtMillis) }));
  }
  const day = new Date(now).toISOString().slice(0, 10);
  await hdfs.writeFile(`${archive}/date=${day}/part-bench-${now}`, `${lines.join('\n')}\n`);
}

const measured = [await measuredRun()];
if (runs === 2) {
  console.log(`streaming ${newRatings.toLocaleString('en-US')} new ratings into ${archive}`);
  await streamNewRatings(newRatings, measured[0]!.result.counts.users ?? 1, 42);
  measured.push(await measuredRun());
}

const first = measured[0]!.result;
const phases = [...new Set(measured.flatMap((m) => Object.keys(m.result.phases)))];
const label = ['first run', 'second run'];
const cell = (n: number | undefined, digits = 1) =>
  n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = [
  `| phase | ${measured.map((_, i) => `${label[i]} (s)`).join(' | ')} |`,
  `|---|${measured.map(() => '---:').join('|')}|`,
  ...phases.map((phase) => `| ${phase} | ${measured.map((m) => cell(m.result.phases[phase])).join(' | ')} |`),
  `| **total (spark-submit wall)** | ${measured.map((m) => `**${cell(m.result.seconds)}**`).join(' | ')} |`,
  `| peak RSS of the Spark JVM (MiB) | ${measured.map((m) => m.peakRssMb.toLocaleString('en-US')).join(' | ')} |`,
  `| ratings in the input | ${measured.map((m) => cell(m.result.counts.ratings, 0)).join(' | ')} |`,
  `| user_ratings rows written | ${measured.map((m) => cell(m.result.counts.user_ratings_written, 0)).join(' | ')} |`,
  `| NDCG@10 (popularity) | ${measured.map((m) => `${m.result.metrics['ndcg@10']?.toFixed(4)} (${m.result.metrics['popularity_ndcg@10']?.toFixed(4)})`).join(' | ')} |`,
  ...(first.metrics.rmse === undefined
    ? []
    : [
        `| RMSE (bias baseline) | ${measured.map((m) => `${m.result.metrics.rmse?.toFixed(4)} (${m.result.metrics.baseline_rmse?.toFixed(4)})`).join(' | ')} |`,
      ]),
].join('\n');
const header = `Batch benchmark ${new Date().toISOString()}: ${first.counts.ratings?.toLocaleString('en-US')} ratings, ${first.counts.users?.toLocaleString('en-US')} users, ${first.counts.movies?.toLocaleString('en-US')} movies${runs === 2 ? `, then ${newRatings.toLocaleString('en-US')} streamed ratings before the second run` : ''}; ${batch.implicit ? `implicit (alpha ${batch.alpha})` : 'explicit'}, rank ${batch.rank}, reg ${batch.reg}, ${batch.iterations} iterations, final fit ${batch.finalFit} (${first.counts.als_fits ?? '?'} ALS fits), master ${stack.spark.master}, driver ${stack.spark.driverMb} MiB`;
const summary = `${header}\n\n${table}\n\nThe ranking metrics use a seeded sample of users with their held-out ratings (${first.metrics.ranking_users} in the first run). The write phase's parts (model files, each table) are in .stack/logs/batch.log ("write phase: ...").\n`;
console.log(`\n${summary}`);
const outDir = path.join(stack.repoRoot, 'bench-results');
fs.mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '');
fs.writeFileSync(path.join(outDir, `batch-${stamp}.md`), summary);
fs.writeFileSync(path.join(outDir, `batch-${stamp}.json`), JSON.stringify({ header, runs: measured }, null, 2));
