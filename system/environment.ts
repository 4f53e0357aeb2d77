/**
 * A whole system beside the product's on the same stack: its own keyspace, job-name prefix,
 * topics, model name and archive, with short checkpoint and archive intervals and an API on a free
 * port. The report, the drills and the end-to-end tests each run in one.
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
  };
}
