/** The API's settings, read once from the environment; documented in docs/configuration.md. */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseEnv } from '../lib/env-config.ts';
import { modelSettings } from '../schemas/model-files.ts';
import { topicSettings } from '../schemas/topics.ts';

const schema = z.object({
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** signs the demo sign-in tokens; unset: a random one per process (tokens end with the process) */
  API_SESSION_SECRET: z.string().min(16).optional(),
  API_SESSION_HOURS: z.coerce.number().positive().default(12),
  /** bearer token of the admin routes; unset: admin routes are refused */
  API_ADMIN_TOKEN: z.string().min(12).optional(),
  /** ratings a user may post per minute */
  API_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(60),
  API_MAX_BODY_BYTES: z.coerce.number().int().min(256).default(4096),
  /** how long a rating POST waits for Kafka's acknowledgement before answering 503 (the send goes on) */
  API_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  /** how long the API's Kafka producer keeps retrying a rating before it fails for good */
  API_KAFKA_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Idempotency-Key values of rating POSTs remembered per process, at most (the oldest settled go first) */
  API_IDEMPOTENCY_KEYS: z.coerce.number().int().min(1).default(100_000),
  /** how long a settled Idempotency-Key is remembered (a retry after that is a new rating) */
  API_IDEMPOTENCY_TTL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** memory for the current model's batch rows in the API (about 860 B a user: ml-32m's 200,948 users take 170 MB) */
  API_BATCH_VIEW_MB: z.coerce.number().int().min(1).default(256),
  /** ratings posted through this process, remembered to exclude them until the rows account for them: users at most, and for how long */
  API_RECENT_RATINGS_USERS: z.coerce.number().int().min(1).default(100_000),
  API_RECENT_RATINGS_TTL_MS: z.coerce.number().int().min(1000).default(600_000),
  /** speed rows held in memory, kept valid by the ratings topic (speed-view.ts): users at most (0: off, every request reads its speed row) */
  API_SPEED_VIEW_USERS: z.coerce.number().int().min(0).default(100_000),
  /** how long a held speed row is served without a read (bounds what no rating signals: a model switch's re-folds) */
  API_SPEED_VIEW_TTL_MS: z.coerce.number().int().min(100).default(30_000),
  /** after a rating of a user is seen, how long nothing read for that user is held (the speed layer's write comes first) */
  API_SPEED_VIEW_SETTLE_MS: z.coerce.number().int().min(0).default(3000),
  /** how often the current model and the movie catalogue are re-read */
  API_MODEL_REFRESH_MS: z.coerce.number().int().min(100).default(1000),
  API_CATALOG_REFRESH_MS: z.coerce.number().int().min(1000).default(300_000),
  /** the batch model the API serves */
  ...modelSettings,
  /** ratings posted through the API go to JOBS_TOPIC_RATINGS */
  ...topicSettings,
});

export type ApiConfig = ReturnType<typeof loadApiConfig>;

export function loadApiConfig(env: Record<string, string | undefined> = process.env) {
  const e = parseEnv(schema, env, 'API');
  return Object.freeze({
    host: e.API_HOST,
    port: e.API_PORT,
    sessionSecret: e.API_SESSION_SECRET ?? randomBytes(32).toString('hex'),
    sessionHours: e.API_SESSION_HOURS,
    adminToken: e.API_ADMIN_TOKEN,
    rateLimitPerMin: e.API_RATE_LIMIT_PER_MIN,
    maxBodyBytes: e.API_MAX_BODY_BYTES,
    publishTimeoutMs: e.API_PUBLISH_TIMEOUT_MS,
    kafkaDeliveryTimeoutMs: e.API_KAFKA_DELIVERY_TIMEOUT_MS,
    idempotencyKeys: e.API_IDEMPOTENCY_KEYS,
    idempotencyTtlMs: e.API_IDEMPOTENCY_TTL_MS,
    batchViewBytes: e.API_BATCH_VIEW_MB * 2 ** 20,
    recentRatingsUsers: e.API_RECENT_RATINGS_USERS,
    recentRatingsTtlMs: e.API_RECENT_RATINGS_TTL_MS,
    speedViewUsers: e.API_SPEED_VIEW_USERS,
    speedViewTtlMs: e.API_SPEED_VIEW_TTL_MS,
    speedViewSettleMs: e.API_SPEED_VIEW_SETTLE_MS,
    modelRefreshMs: e.API_MODEL_REFRESH_MS,
    catalogRefreshMs: e.API_CATALOG_REFRESH_MS,
    modelName: e.BATCH_MODEL_NAME,
    ratingsTopic: e.JOBS_TOPIC_RATINGS,
  });
}
