/** Small Kafka admin tasks shared by the tools: consumer lag, and topics made afresh or ensured. */
import type { Admin, Kafka } from 'kafkajs';
import { waitFor } from './wait-for.ts';

async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Records behind the end of the topic, summed over partitions, from the group's committed offsets (Flink commits them on each checkpoint); undefined when the group has committed nothing yet. */
export function consumerLag(kafka: Kafka, group: string, topic: string): Promise<number | undefined> {
  return withAdmin(kafka, async (admin) => {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    const end = new Map(ends.map((p) => [p.partition, Number(p.high)]));
    const parts = committed[0]?.partitions ?? [];
    if (parts.every((p) => Number(p.offset) < 0)) return undefined;
    return parts.reduce((sum, p) => sum + Math.max(0, (end.get(p.partition) ?? 0) - Math.max(0, Number(p.offset))), 0);
  });
}

type TopicSpec = { topic: string; partitions: number };

/** Deletes the topics when they exist and creates them empty with the given partition counts. */
export function recreateTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const stale = topics.map((t) => t.topic).filter((t) => existing.has(t));
    if (stale.length > 0) {
      await admin.deleteTopics({ topics: stale, timeout: 30_000 });
      // deletion is asynchronous in the broker: wait until the names are free again
      await waitFor(async () => !(await admin.listTopics()).some((t) => stale.includes(t)) || undefined, {
        delayMs: 200,
        maxWaitMs: 30_000,
        description: `deletion of ${stale.join(', ')}`,
      });
    }
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true });
  });
}

/** Creates the topics that do not exist yet. */
export function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true });
  });
}
