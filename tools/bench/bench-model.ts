/**
 * The dataset, keyspace and trained model a benchmark runs on, shared by bench:api and
 * bench:freshness so that one batch run (half an hour at 32M) serves both: ml-latest-small in the
 * keyspace bench_speed (model als-bench-speed), another dataset in bench_api_<slug> (model
 * als-bench-api-<slug>; the names predate bench:freshness's use of them), or a keyspace and model
 * given (bench:batch's, say). The movies are loaded and the model trained only if missing.
 */
import path from 'node:path';
import { loadBatchConfig } from '../../batch/config.ts';
import { createBatchRunner } from '../../batch/runner.ts';
import type { StackConfig } from '../../infra/config.ts';
import { platformOf } from '../../infra/platform.ts';
import { findDataset, type FoundDataset } from '../../ingest/datasets/dataset.ts';
import { loadDataset } from '../../ingest/datasets/load.ts';
import { cassandraClient } from '../../lib/platform.ts';
import { createWebHdfs } from '../../lib/webhdfs.ts';

export interface BenchModel {
  dataset: FoundDataset;
  small: boolean;
  /** the dataset's name as lower-case letters, digits and underscores */
  slug: string;
  keyspace: string;
  modelName: string;
  /** the settings that put the stack's tools on this keyspace, model and archive */
  env: Record<string, string>;
}

export async function benchModel({ dataset: name, keyspace, model }: { dataset: string; keyspace?: string; model?: string }): Promise<BenchModel> {
  const dataset = await findDataset(name);
  const small = dataset.name === 'ml-latest-small';
  const slug = dataset.name.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  const ks = keyspace ?? (small ? 'bench_speed' : `bench_api_${slug}`);
  const modelName = model ?? (small ? 'als-bench-speed' : `als-bench-api-${slug.replace(/_/g, '-')}`);
  return {
    dataset,
    small,
    slug,
    keyspace: ks,
    modelName,
    env: { CASSANDRA_KEYSPACE: ks, BATCH_MODEL_NAME: modelName, BATCH_DATASET: dataset.name, ARCHIVE_PATH: small ? '/bench/events' : `/bench/events-${slug}` },
  };
}

/** Loads the movies and trains the model in the bench keyspace if either is missing. */
export async function ensureBenchModel(target: BenchModel, stack: StackConfig, env: Record<string, string | undefined>): Promise<void> {
  const { keyspace, modelName, dataset, slug } = target;
  const cql = cassandraClient(stack);
  try {
    const hasModel = await cql
      .execute(`SELECT version FROM ${keyspace}.current_model WHERE model_name = ?`, [modelName], { prepare: true })
      .then((r) => r.rowLength > 0)
      .catch(() => false);
    const hasTitles = await cql
      .execute(`SELECT title FROM ${keyspace}.movies LIMIT 1`, [], { prepare: true })
      .then((r) => !!r.first()?.get('title'))
      .catch(() => false);
    if (!hasTitles)
      await loadDataset({
        dataset,
        hdfs: createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user }),
        cassandra: cql,
        keyspace,
        rejectsFile: path.join(stack.dirs.tmp, `bench-${slug}-rejects.csv`),
      });
    if (hasModel) return;
  } finally {
    await cql.shutdown();
  }
  await createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(env) }).run();
}
