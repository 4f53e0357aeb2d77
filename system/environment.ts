import { randomBytes } from 'node:crypto';
import { apiKeyEntry, newApiKey } from '../serving/auth.ts';

/**
 * A host application's credentials for a harness (tests, drills, benches): a fresh API key with
 * every scope and a JWT secret, as the API's settings (API_KEYS, API_JWT_SECRET), and the key as
 * the harness's client sends it (MOVIERECO_API_KEY, see `apiKeyHeader`).
 */
export function harnessCredentials(base: Record<string, string | undefined> = {}): Record<string, string> {
  const key = newApiKey();
  return {
    API_KEYS: [base.API_KEYS, apiKeyEntry('harness', ['read', 'write', 'admin'], key)].filter(Boolean).join(';'),
    API_JWT_SECRET: base.API_JWT_SECRET || randomBytes(32).toString('hex'),
    MOVIERECO_API_KEY: key,
  };
}

/** The header a harness sends to read any user's data (the key of `harnessCredentials`), if it has one. */
export function apiKeyHeader(env: Record<string, string | undefined>): Record<string, string> {
  return env.MOVIERECO_API_KEY ? { 'x-api-key': env.MOVIERECO_API_KEY } : {};
}

/**
 * A whole system beside the product's on the same stack: its own keyspace, job-name prefix,
 * topics, model name and archive, with short checkpoint and archive intervals and an API on a free
 * port, and the harness's credentials. The report, the drills and the end-to-end tests each run in one.
 */
export function isolatedEnv(
  name: string,
  { archiveRoot = '', base = process.env }: { archiveRoot?: string; base?: Record<string, string | undefined> } = {},
): Record<string, string | undefined> {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`isolatedEnv: ${name} is not a lower-case identifier`);
  const dashed = name.replaceAll('_', '-');
  return {
    ...base,
    CASSANDRA_KEYSPACE: name,
    JOBS_NAME_PREFIX: `${dashed}-`,
    JOBS_TOPIC_RATINGS: `${name}_ratings`,
    JOBS_TOPIC_DLQ: `${name}_dlq`,
    BATCH_MODEL_NAME: dashed,
    ARCHIVE_PATH: `${archiveRoot}/${name}/events`,
    ARCHIVE_ROLL_MS: '2000',
    JOBS_CHECKPOINT_INTERVAL_MS: '2000',
    API_PORT: '0',
    API_MODEL_REFRESH_MS: '500',
    // a harness runs its batches itself (the end-to-end test turns the schedule on)
    BATCH_AUTO: 'false',
    ...harnessCredentials(base),
  };
}
