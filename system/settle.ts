/**
 * Waiting for the speed layer to finish what it was given: every user's speed row written and no
 * longer changing, every event in the archive. Used by the report and the drills, which compare
 * what the system wrote once it has settled.
 */
import type { Kafka } from 'kafkajs';
import type { RecommendationRow, ServingStore } from '../serving/store.ts';
import { speedJobName, type JobsConfig } from '../speed/jobs.ts';
import { archivedEvents } from './archive.ts';
import { consumerLag } from '../lib/kafka-admin.ts';
import { waitFor } from '../lib/wait-for.ts';
import type { WebHdfs } from '../lib/webhdfs.ts';

/**
 * The users' speed rows once the speed job has committed everything it was sent (lag 0 at its
 * last checkpoint) and none of the rows changed for `quietMs`.
 */
export async function settledSpeedRows(
  { kafka, jobs, store }: { kafka: Kafka; jobs: JobsConfig; store: ServingStore },
  users: readonly number[],
  { quietMs = 3000, maxWaitMs = 300_000 } = {},
): Promise<Map<number, RecommendationRow>> {
  const group = speedJobName(jobs);
  let last = '';
  let since = Date.now();
  return waitFor(
    async () => {
      const lag = await consumerLag(kafka, group, jobs.topics.ratings).catch(() => undefined);
      const rows = new Map<number, RecommendationRow>();
      for (const u of users) {
        const row = await store.speedRow(u);
        if (row) rows.set(u, row);
      }
      const signature = users.map((u) => rows.get(u)?.computedAt ?? '-').join(',');
      if (signature !== last || lag !== 0) {
        last = signature;
        since = Date.now();
        return undefined;
      }
      return rows.size === users.length && Date.now() - since >= quietMs ? rows : undefined;
    },
    { delayMs: 1000, maxWaitMs, description: `settled speed rows of ${users.length} users` },
  );
}

/** Waits until every event id is in the archive; returns how often each event landed there. */
export async function archivedAll(
  { hdfs, jobs }: { hdfs: WebHdfs; jobs: JobsConfig },
  ids: readonly string[],
  maxWaitMs = 300_000,
): Promise<Map<string, number>> {
  return waitFor(
    async () => {
      const counts = await archivedEvents(hdfs, jobs.archive.path);
      return ids.every((id) => counts.has(id)) ? counts : undefined;
    },
    { delayMs: 2000, maxWaitMs, description: `${ids.length} events in the archive` },
  );
}
