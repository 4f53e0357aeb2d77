/** The API's settings, read once from the environment; documented in docs/configuration.md. */
import { z } from 'zod';
import { parseApiKeys } from './auth.ts';
import { parseEnv } from '../lib/env-config.ts';
import { modelSettings } from '../schemas/model-files.ts';
import { topicSettings } from '../schemas/topics.ts';

const schema = z.object({
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** API processes sharing the port (node:cluster); each holds its own views, derived from the model and the streams */
  API_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  /** demo mode (npm start turns it on): POST /session signs a user token for any user id, no credential asked */
  API_DEMO: z.enum(['true', 'false']).default('false'),
  /** how long a demo sign-in token is valid */
  API_SESSION_HOURS: z.coerce.number().positive().default(12),
  /** the host application's API keys, hashed: `name:scope[,scope]:sha256hex` entries separated by `;` (npm run api -- new-key); scopes read, write, admin */
  API_KEYS: z
    .string()
    .default('')
    .transform((spec, ctx) => {
      try {
        return parseApiKeys(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** user tokens (JWT, `sub` = user id, `exp` required): HS256 with this shared secret (32+ characters); in demo mode it also signs the demo tokens (unset: a random one per process) */
  API_JWT_SECRET: z.string().min(32).optional(),
  /** user tokens signed RS256: the host application's public key (PEM) ... */
  API_JWT_PUBLIC_KEY: z.string().includes('PUBLIC KEY').optional(),
  /** ... or its JWKS, fetched and kept for API_JWT_JWKS_REFRESH_MS */
  API_JWT_JWKS_URL: z.url().optional(),
  API_JWT_JWKS_REFRESH_MS: z.coerce.number().int().min(1000).default(600_000),
  /** when set, a user token must carry this iss / aud */
  API_JWT_ISSUER: z.string().optional(),
  API_JWT_AUDIENCE: z.string().optional(),
  /** ratings a signed-in user may post per minute */
  API_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(60),
  /** ratings one API key may post per minute (a host backend posts for many users) */
  API_KEY_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(60_000),
  /** demo sign-ins per client address per minute */
  API_SESSION_PER_MIN: z.coerce.number().int().min(1).default(10),
  /** all writes (ratings and sign-ins) of this process per second, whoever sends them */
  API_WRITE_CAP_PER_S: z.coerce.number().int().min(1).default(2000),
  /** behind a reverse proxy: the client address is the last X-Forwarded-For entry (else the socket's peer) */
  API_TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  /** origins allowed to call the API from a browser (comma-separated; `*` for any); unset: same origin only */
  API_CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  API_MAX_BODY_BYTES: z.coerce.number().int().min(256).default(4096),
  /** how long a rating POST waits for Kafka's acknowledgement before answering 503 (the send goes on) */
  API_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  /** ratings waiting for Kafka (retried until it takes them) beyond which a rating POST gets 503 at once */
  API_KAFKA_MAX_QUEUED: z.coerce.number().int().min(1).default(10_000),
  /** Idempotency-Key values of rating POSTs remembered per process, at most (the oldest settled go first) */
  API_IDEMPOTENCY_KEYS: z.coerce.number().int().min(1).default(100_000),
  /** how long a settled Idempotency-Key is remembered (a retry after that is a new rating) */
  API_IDEMPOTENCY_TTL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** memory for the current model's batch rows in the API (about 860 B a user: ml-32m's 200,948 users take 170 MB) */
  API_BATCH_VIEW_MB: z.coerce.number().int().min(1).default(256),
  /** load every batch row of the current model after each switch, and index the speed rows every API_SPEED_VIEW_TTL_MS, so that no user's request reads (false: each user's first request reads, as rows are filled on demand) */
  API_VIEW_PRELOAD: z.enum(['true', 'false']).default('true'),
  /** with API_VIEW_PRELOAD: the first speed scan under a version reads the speed rows themselves and holds them (up to API_SPEED_VIEW_USERS); false: keys only, each user's first request reads their row */
  API_SPEED_VIEW_PRELOAD_ROWS: z.enum(['true', 'false']).default('true'),
  /** ratings posted through this process, remembered to exclude them until the rows account for them: users at most, and for how long */
  API_RECENT_RATINGS_USERS: z.coerce.number().int().min(1).default(100_000),
  API_RECENT_RATINGS_TTL_MS: z.coerce.number().int().min(1000).default(600_000),
  /**
   * speed rows held in memory, kept valid by the ratings topic (speed-view.ts): users at most (0: off, every request reads its speed row).
   * About 3 KB of RSS each: at 32M, 100,000 took the API past 1 GiB, 50,000 kept it at 864–920 MiB (docs/benchmarks.md, 2026-12-04)
   */
  API_SPEED_VIEW_USERS: z.coerce.number().int().min(0).default(50_000),
  /** how often the speed view's index of speed rows is rebuilt, and without one how long a held row is served without a read (bounds what no rating signals: a model switch's re-folds) */
  API_SPEED_VIEW_TTL_MS: z.coerce.number().int().min(100).default(30_000),
  /** after a rating of a user is seen, how long nothing read for that user is held (the speed layer's write comes first) */
  API_SPEED_VIEW_SETTLE_MS: z.coerce.number().int().min(0).default(3000),
  /** how long a speed row read answers the same user's other requests too, unless they rated since (0: every such request reads) */
  API_SPEED_VIEW_SHARE_MS: z.coerce.number().int().min(0).max(1000).default(50),
  /** how long a request waits for a speed row read before it answers with the user's last known row, marked stale (X-Recommendations-Stale); 0: it waits for the read */
  API_STALE_AFTER_MS: z.coerce.number().int().min(0).default(500),
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
    workers: e.API_WORKERS,
    demo: e.API_DEMO === 'true',
    sessionHours: e.API_SESSION_HOURS,
    apiKeys: e.API_KEYS,
    jwt: {
      secret: e.API_JWT_SECRET,
      publicKey: e.API_JWT_PUBLIC_KEY,
      jwksUrl: e.API_JWT_JWKS_URL,
      jwksRefreshMs: e.API_JWT_JWKS_REFRESH_MS,
      issuer: e.API_JWT_ISSUER,
      audience: e.API_JWT_AUDIENCE,
    },
    rateLimitPerMin: e.API_RATE_LIMIT_PER_MIN,
    keyRateLimitPerMin: e.API_KEY_RATE_LIMIT_PER_MIN,
    sessionPerMin: e.API_SESSION_PER_MIN,
    writeCapPerS: e.API_WRITE_CAP_PER_S,
    trustProxy: e.API_TRUST_PROXY === 'true',
    corsOrigins: e.API_CORS_ORIGINS,
    maxBodyBytes: e.API_MAX_BODY_BYTES,
    publishTimeoutMs: e.API_PUBLISH_TIMEOUT_MS,
    kafkaMaxQueued: e.API_KAFKA_MAX_QUEUED,
    idempotencyKeys: e.API_IDEMPOTENCY_KEYS,
    idempotencyTtlMs: e.API_IDEMPOTENCY_TTL_MS,
    batchViewBytes: e.API_BATCH_VIEW_MB * 2 ** 20,
    viewPreload: e.API_VIEW_PRELOAD === 'true',
    speedRowsPreload: e.API_SPEED_VIEW_PRELOAD_ROWS === 'true',
    recentRatingsUsers: e.API_RECENT_RATINGS_USERS,
    recentRatingsTtlMs: e.API_RECENT_RATINGS_TTL_MS,
    speedViewUsers: e.API_SPEED_VIEW_USERS,
    speedViewTtlMs: e.API_SPEED_VIEW_TTL_MS,
    speedViewSettleMs: e.API_SPEED_VIEW_SETTLE_MS,
    speedViewShareMs: e.API_SPEED_VIEW_SHARE_MS,
    staleAfterMs: e.API_STALE_AFTER_MS,
    modelRefreshMs: e.API_MODEL_REFRESH_MS,
    catalogRefreshMs: e.API_CATALOG_REFRESH_MS,
    modelName: e.BATCH_MODEL_NAME,
    ratingsTopic: e.JOBS_TOPIC_RATINGS,
  });
}
