/** The batch layer's settings, read once from the environment; documented in docs/configuration.md. */
import { z } from 'zod';
import { parseEnv } from '../lib/env-config.ts';
import { archiveSettings } from '../schemas/archive.ts';
import { modelSettings } from '../schemas/model-files.ts';
import { topicSettings } from '../schemas/topics.ts';
import { ratingRuleSettings } from '../schemas/rating-rule.ts';

const schema = z.object({
  /** the imported history: HDFS /movielens/<dataset>/ratings.csv */
  BATCH_DATASET: z
    .string()
    .regex(/^[\w.-]+$/)
    .default('ml-latest-small'),
  BATCH_RANK: z.coerce.number().int().min(1).max(500).default(10),
  BATCH_REG: z.coerce.number().positive().default(0.15),
  BATCH_ITERATIONS: z.coerce.number().int().min(1).max(100).default(20),
  /** implicit feedback (ratings as confidences; ranks far better than explicit ALS), or explicit (predicts ratings: RMSE) */
  BATCH_IMPLICIT: z.enum(['true', 'false']).default('true'),
  /** implicit only: a rating r is a preference with confidence 1 + alpha·r */
  BATCH_ALPHA: z.coerce.number().positive().default(1),
  /** learn a mean and user and movie biases beside the factors; unset: yes for explicit, no for implicit */
  BATCH_BIASES: z.enum(['true', 'false']).optional(),
  /** the seed of ALS's initial factors and of the evaluation split */
  BATCH_SEED: z.coerce.number().int().default(42),
  BATCH_SPLIT: z.enum(['random', 'temporal']).default('random'),
  BATCH_TEST_FRACTION: z.coerce.number().gt(0).lt(1).default(0.2),
  /**
   * train: the evaluated fit's item factors serve, user vectors solved again from all ratings (one fit);
   * all: fit again on all data; auto: all only when the evaluation held out more than 5% of the ratings (small data)
   */
  BATCH_FINAL_FIT: z.enum(['auto', 'all', 'train']).default('auto'),
  BATCH_TOP_N: z.coerce.number().int().min(10).max(1000).default(100),
  BATCH_SIMILAR_N: z.coerce.number().int().min(1).max(200).default(20),
  BATCH_RANKING_USERS: z.coerce.number().int().min(1).default(20_000),
  /** Spark's shuffle partitions; 0: from the cores and the input (4 per core, or one per 64 MB of input if more) */
  BATCH_SHUFFLE_PARTITIONS: z.coerce.number().int().min(0).default(0),
  /** ALS's user and item blocks; 0: from the cores and the ratings (2 per core, at most one per 20,000 ratings) */
  BATCH_ALS_BLOCKS: z.coerce.number().int().min(0).default(0),
  /**
   * The batch rows' Cassandra writes: writes in flight per Spark task (the connector's batches, and the job's own
   * inserts of ranked lists; the connector's default is 5, and 32 wrote user_ratings 17% and the recommendation rows
   * 26% faster on one node on two shared cores), and bytes per connector batch (its default is 1,024; the
   * user_ratings rows are written sorted by user, so a batch holds one user's rows: one partition, one mutation)
   */
  BATCH_CASSANDRA_CONCURRENT_WRITES: z.coerce.number().int().min(1).default(32),
  BATCH_CASSANDRA_BATCH_BYTES: z.coerce.number().int().min(256).default(4096),
  /**
   * hyperparameter candidates evaluated beside BATCH_RANK, BATCH_REG and BATCH_ALPHA on the same
   * held-out ratings, the best serving (docs/batch.md): `rank=20,reg=0.05;alpha=2` (each key
   * optional, entries separated by `;`); empty: none
   */
  BATCH_SEARCH: z.string().default(''),
  /** the search's time budget: no candidate starts after this many seconds of it (the configured one always runs) */
  BATCH_SEARCH_SECONDS: z.coerce.number().positive().default(900),
  /** `npm start` runs the batch by itself (batch/schedule.ts); `npm run batch -- schedule` does so regardless */
  BATCH_AUTO: z.enum(['true', 'false']).default('true'),
  /** a run is due once the ratings produced since the current model was made reach this share of those it was trained on ... */
  BATCH_AUTO_GROWTH: z.coerce.number().positive().default(0.1),
  /** ... or once the current model is this old, whichever comes first */
  BATCH_AUTO_EVERY_HOURS: z.coerce.number().positive().default(24),
  /** how often the schedule looks; after a failed run, the next attempt waits BATCH_AUTO_RETRY_MINUTES */
  BATCH_AUTO_CHECK_SECONDS: z.coerce.number().positive().default(30),
  BATCH_AUTO_RETRY_MINUTES: z.coerce.number().positive().default(10),
  BATCH_KEEP_VERSIONS: z.coerce.number().int().min(1).default(3),
  /** a run still going after this is killed and reported, so a hung run cannot block every later one */
  BATCH_RUN_DEADLINE_MINUTES: z.coerce.number().positive().default(120),
  ...modelSettings,
  /** the batch job reads the streamed events where the archive job writes them */
  ...archiveSettings,
  /** the batch job announces each model on JOBS_TOPIC_MODEL_UPDATES */
  ...topicSettings,
  /** the batch job counts ratings dated beyond its start plus this skew as rejects */
  ...ratingRuleSettings,
});

export type BatchConfig = ReturnType<typeof loadBatchConfig>;

export function loadBatchConfig(env: Record<string, string | undefined> = process.env) {
  const e = parseEnv(schema, env, 'batch');
  return Object.freeze({
    dataset: e.BATCH_DATASET,
    modelName: e.BATCH_MODEL_NAME,
    rank: e.BATCH_RANK,
    reg: e.BATCH_REG,
    iterations: e.BATCH_ITERATIONS,
    implicit: e.BATCH_IMPLICIT === 'true',
    alpha: e.BATCH_ALPHA,
    biases: e.BATCH_BIASES === undefined ? e.BATCH_IMPLICIT !== 'true' : e.BATCH_BIASES === 'true',
    seed: e.BATCH_SEED,
    maxFutureSkewMs: e.RATINGS_MAX_FUTURE_SKEW_MS,
    split: e.BATCH_SPLIT,
    testFraction: e.BATCH_TEST_FRACTION,
    finalFit: e.BATCH_FINAL_FIT,
    topN: e.BATCH_TOP_N,
    similarN: e.BATCH_SIMILAR_N,
    rankingUsers: e.BATCH_RANKING_USERS,
    shufflePartitions: e.BATCH_SHUFFLE_PARTITIONS,
    alsBlocks: e.BATCH_ALS_BLOCKS,
    cassandraConcurrentWrites: e.BATCH_CASSANDRA_CONCURRENT_WRITES,
    cassandraBatchBytes: e.BATCH_CASSANDRA_BATCH_BYTES,
    search: e.BATCH_SEARCH.trim(),
    searchSeconds: e.BATCH_SEARCH_SECONDS,
    auto: e.BATCH_AUTO === 'true',
    schedule: {
      growthShare: e.BATCH_AUTO_GROWTH,
      everyMs: e.BATCH_AUTO_EVERY_HOURS * 3_600_000,
      checkMs: e.BATCH_AUTO_CHECK_SECONDS * 1000,
      retryMs: e.BATCH_AUTO_RETRY_MINUTES * 60_000,
    },
    keepVersions: e.BATCH_KEEP_VERSIONS,
    runDeadlineMs: e.BATCH_RUN_DEADLINE_MINUTES * 60_000,
    eventsPath: e.ARCHIVE_PATH,
    updatesTopic: e.JOBS_TOPIC_MODEL_UPDATES,
    ratingsTopic: e.JOBS_TOPIC_RATINGS,
  });
}
