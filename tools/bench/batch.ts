/**
 * Batch benchmark: the whole ALS batch on a generated ml-32m-sized dataset, wall time per phase
 * and the peak resident memory of the Spark JVM, in its own keyspace and model name, both dropped
 * first (a clean start: runs are comparable). Prints a table and writes bench-results/.
 *
 *   SPARK_DRIVER_MB=8192 npm run bench:batch [-- --ratings 32000204]
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

const { values } = parseArgs({ options: { ratings: { type: 'string' } } });
const ratings = Number(values.ratings ?? ML_32M.ratings);
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

const batch = loadBatchConfig({ ...process.env, BATCH_DATASET: name, BATCH_MODEL_NAME: 'als-bench' });
// a clean start, so runs are comparable: no keyspace (its rows and tombstones) and no model folder from earlier runs
{
  const cql = cassandraClient(stack);
  try {
    await cql.execute('DROP KEYSPACE IF EXISTS bench_batch', [], { readTimeout: 120_000 });
  } finally {
    await cql.shutdown();
  }
  await hdfs.remove(`/models/${batch.modelName}`);
}
const runner = createBatchRunner({ platform: platformOf(stack), batch });
let pid = 0;
let peakKb = 0;
const sampler = setInterval(() => {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    peakKb = Math.max(peakKb, kb);
  } catch {
    /* not started or gone */
  }
}, 500);
const result = await runner.run({ onStart: (p) => (pid = p) });
clearInterval(sampler);

const rows = Object.entries(result.phases).map(([phase, s]) => `| ${phase} | ${s.toFixed(1)} |`);
const header = `Batch benchmark ${new Date().toISOString()}: ${result.counts.ratings?.toLocaleString('en-US')} ratings, ${result.counts.users?.toLocaleString('en-US')} users, ${result.counts.movies?.toLocaleString('en-US')} movies; ${batch.implicit ? `implicit (alpha ${batch.alpha})` : 'explicit'}, rank ${batch.rank}, reg ${batch.reg}, ${batch.iterations} iterations, final fit ${batch.finalFit} (${result.counts.als_fits ?? '?'} ALS fits), master ${stack.spark.master}, driver ${stack.spark.driverMb} MiB`;
const table = ['| phase | seconds |', '|---|---:|', ...rows, `| **total (spark-submit wall)** | **${result.seconds.toFixed(1)}** |`].join('\n');
const summary = `${header}\n\n${table}\n\nPeak RSS of the Spark JVM: ${Math.round(peakKb / 1024).toLocaleString('en-US')} MiB. ${result.metrics.rmse === undefined ? 'Implicit model' : `RMSE ${result.metrics.rmse.toFixed(4)} (bias baseline ${result.metrics.baseline_rmse?.toFixed(4)})`}, NDCG@10 ${result.metrics['ndcg@10']?.toFixed(4)} (popularity ${result.metrics['popularity_ndcg@10']?.toFixed(4)}) on ${result.metrics.ranking_users} users.\n`;
console.log(`\n${summary}`);
const outDir = path.join(stack.repoRoot, 'bench-results');
fs.mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '');
fs.writeFileSync(path.join(outDir, `batch-${stamp}.md`), summary);
fs.writeFileSync(path.join(outDir, `batch-${stamp}.json`), JSON.stringify({ header, result, peakRssMb: Math.round(peakKb / 1024) }, null, 2));
