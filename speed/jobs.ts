/**
 * The Flink jobs of the speed layer, one declaration each: which jar and entry class, the flags
 * it runs with, its parallelism, and how it is upgraded. The control plane deploys exactly this
 * (tools/submit-job.ts); settings come from the environment, read once (docs/configuration.md).
 */
import { z } from 'zod';
import type { Endpoints, JobProject } from '../lib/platform.ts';
import { parseEnv } from '../lib/env-config.ts';
import { archiveSettings } from '../schemas/archive.ts';
import { modelSettings } from '../schemas/model-files.ts';
import { topicSettings, topicsFrom } from '../schemas/topics.ts';
import { ratingRuleSettings } from '../schemas/rating-rule.ts';

export interface JobSpec {
  /** the Flink job name: unique on the cluster, how the control plane finds the running job */
  name: string;
  project: JobProject;
  entryClass: string;
  /** flags, passed as `--key value`; the job echoes them as its global parameters */
  args: Readonly<Record<string, string>>;
  parallelism: number;
  /** savepoint: an upgrade stops with a savepoint and restarts from it (state kept); none: cancel and start fresh */
  savepointPolicy: 'savepoint' | 'none';
}

const schema = z.object({
  JOBS_PARALLELISM: z.coerce.number().int().min(1).max(128).default(1),
  JOBS_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(500).default(10_000),
  /** how long a network buffer between two operators waits to fill before it is sent (Flink's default is 100) */
  JOBS_BUFFER_TIMEOUT_MS: z.coerce.number().int().min(0).default(10),
  /** where Kafka reading starts when a job has no checkpoint: committed (else earliest), earliest, latest */
  JOBS_STARTING_OFFSETS: z.enum(['committed', 'earliest', 'latest']).default('committed'),
  /** the Cassandra driver's timeout of one request from a job */
  JOBS_CASSANDRA_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** the hard deadline of any Cassandra operation a job waits for; past it the task fails and restarts from its checkpoint */
  JOBS_CASSANDRA_DEADLINE_MS: z.coerce.number().int().min(100).default(30_000),
  /** the jobs dead-letter a rating dated further ahead of their clock than this */
  ...ratingRuleSettings,
  SPEED_COALESCE_MS: z.coerce.number().int().min(0).default(50),
  SPEED_TOP_N: z.coerce.number().int().min(10).max(1000).default(100),
  /** the speed job's Cassandra writes outstanding per parallel instance; a full window stalls the fold-in */
  SPEED_WRITES_IN_FLIGHT: z.coerce.number().int().min(1).max(4096).default(64),
  SPEED_STATE_TTL_HOURS: z.coerce.number().int().min(0).default(24),
  ARCHIVE_ROLL_MS: z.coerce.number().int().min(1000).default(60_000),
  ...archiveSettings,
  TRENDING_WINDOW_MINUTES: z.coerce.number().int().min(1).default(1440),
  TRENDING_SLIDE_MINUTES: z.coerce.number().int().min(1).default(60),
  /** online evaluation: hit rate@10 per source and model version over sliding windows of this size ... */
  ONLINE_EVAL_WINDOW_MINUTES: z.coerce.number().int().min(1).default(60),
  /** ... sliding by this much */
  ONLINE_EVAL_SLIDE_MINUTES: z.coerce.number().int().min(1).default(5),
  /** put before every job name: a second environment (or a test) runs its own copies beside the product's */
  JOBS_NAME_PREFIX: z
    .string()
    .regex(/^[\w-]*$/)
    .default(''),
  ...topicSettings,
  /** the batch model the speed layer folds in with */
  ...modelSettings,
});

export type JobsConfig = ReturnType<typeof loadJobsConfig>;

export function loadJobsConfig(env: Record<string, string | undefined> = process.env) {
  const e = parseEnv(schema, env, 'jobs');
  return Object.freeze({
    prefix: e.JOBS_NAME_PREFIX,
    topics: topicsFrom(e),
    parallelism: e.JOBS_PARALLELISM,
    checkpointIntervalMs: e.JOBS_CHECKPOINT_INTERVAL_MS,
    bufferTimeoutMs: e.JOBS_BUFFER_TIMEOUT_MS,
    cassandraRequestTimeoutMs: e.JOBS_CASSANDRA_REQUEST_TIMEOUT_MS,
    cassandraDeadlineMs: e.JOBS_CASSANDRA_DEADLINE_MS,
    maxFutureSkewMs: e.RATINGS_MAX_FUTURE_SKEW_MS,
    startingOffsets: e.JOBS_STARTING_OFFSETS,
    speed: {
      coalesceMs: e.SPEED_COALESCE_MS,
      topN: e.SPEED_TOP_N,
      writesInFlight: e.SPEED_WRITES_IN_FLIGHT,
      stateTtlHours: e.SPEED_STATE_TTL_HOURS,
      modelName: e.BATCH_MODEL_NAME,
    },
    archive: { rollMs: e.ARCHIVE_ROLL_MS, path: e.ARCHIVE_PATH },
    trending: { windowMinutes: e.TRENDING_WINDOW_MINUTES, slideMinutes: e.TRENDING_SLIDE_MINUTES },
    onlineEval: { windowMinutes: e.ONLINE_EVAL_WINDOW_MINUTES, slideMinutes: e.ONLINE_EVAL_SLIDE_MINUTES },
  });
}

/** The speed job's name, which is also its Kafka consumer group. */
export function speedJobName(jobs: JobsConfig): string {
  return `${jobs.prefix}speed-recommender`;
}

/** The declared jobs, named `<JOBS_NAME_PREFIX><name>`. */
export function jobDeclarations(stack: Endpoints, jobs: JobsConfig = loadJobsConfig()): JobSpec[] {
  const { prefix, topics } = jobs;
  const kafka = {
    'bootstrap.servers': stack.kafka.brokers.join(','),
    'ratings.topic': topics.ratings,
    'starting.offsets': jobs.startingOffsets,
    'max.future.skew.ms': String(jobs.maxFutureSkewMs),
    // a path, not the passwords: job arguments show in Flink's web UI (docs/security.md)
    ...(stack.flink.clientSecurityFile ? { 'client.security.file': stack.flink.clientSecurityFile } : {}),
  };
  const cassandra = {
    'cassandra.contact.points': stack.cassandra.contactPoints.join(','),
    'cassandra.datacenter': stack.cassandra.datacenter,
    'cassandra.keyspace': stack.cassandra.keyspace,
    'cassandra.consistency': stack.cassandra.consistency ?? 'LOCAL_QUORUM',
    'cassandra.request.timeout.ms': String(jobs.cassandraRequestTimeoutMs),
    'cassandra.deadline.ms': String(jobs.cassandraDeadlineMs),
  };
  const common = { 'checkpoint.interval.ms': String(jobs.checkpointIntervalMs), 'buffer.timeout.ms': String(jobs.bufferTimeoutMs) };
  const spec = (name: string, entryClass: string, args: Record<string, string>): JobSpec => ({
    name: prefix + name,
    project: 'flink-jobs',
    entryClass,
    args: { 'job.name': prefix + name, 'checkpoint.dir': checkpointDir(stack, prefix + name), ...kafka, ...common, ...args },
    parallelism: jobs.parallelism,
    savepointPolicy: 'savepoint',
  });
  return [
    spec('speed-recommender', 'moviereco.flink.speed.SpeedRecommenderJob', {
      ...cassandra,
      'updates.topic': topics.updates,
      // only the speed job dead-letters: the archive and trending jobs drop the same records, so each is dead-lettered once
      'dlq.topic': topics.dlq,
      'model.name': jobs.speed.modelName,
      'coalesce.ms': String(jobs.speed.coalesceMs),
      'top.n': String(jobs.speed.topN),
      'max.in.flight': String(jobs.speed.writesInFlight),
      'state.ttl.hours': String(jobs.speed.stateTtlHours),
    }),
    spec('archive', 'moviereco.flink.archive.ArchiveJob', {
      output: `${stack.hdfs.url.replace(/\/$/, '')}${jobs.archive.path}`,
      'roll.ms': String(jobs.archive.rollMs),
    }),
    spec('trending', 'moviereco.flink.trending.TrendingJob', {
      ...cassandra,
      'window.size.minutes': String(jobs.trending.windowMinutes),
      'window.slide.minutes': String(jobs.trending.slideMinutes),
    }),
    spec('online-eval', 'moviereco.flink.online.OnlineEvalJob', {
      ...cassandra,
      'model.name': jobs.speed.modelName,
      'window.size.minutes': String(jobs.onlineEval.windowMinutes),
      'window.slide.minutes': String(jobs.onlineEval.slideMinutes),
    }),
  ];
}

/**
 * Where a job keeps its checkpoints (`--checkpoint.dir`): a folder of its name below the stack's
 * `FLINK_CHECKPOINTS_DIR`, so that its retained checkpoints can be found by name once the
 * JobManager has forgotten the job (`retained-checkpoints.ts`).
 */
export function checkpointDir(stack: Pick<Endpoints, 'flink'>, jobName: string): string {
  return `${stack.flink.checkpointsDir.replace(/\/+$/, '')}/${jobName}`;
}

/** `--key value` pairs in a stable order. */
export function programArgs(args: Readonly<Record<string, string>>): string[] {
  return Object.keys(args)
    .sort()
    .flatMap((k) => [`--${k}`, args[k]!]);
}
