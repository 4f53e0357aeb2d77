/** Small Kafka admin tasks shared by the tools: consumer lag, and topics made afresh. */
import type { Kafka } from 'kafkajs';
import { waitFor } from './wait-for.ts';

/** Records behind the end of the topic, summed over partitions, from the group's committed offsets (Flink commits them on each checkpoint); undefined when the group has committed nothing yet. */
export async function consumerLag(kafka: Kafka, group: string, topic: string): Promise<number | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    const end = new Map(ends.map((p) => [p.partition, Number(p.high)]));
    const parts = committed[0]?.partitions ?? [];
    if (parts.every((p) => Number(p.offset) < 0)) return undefined;
    return parts.reduce((sum, p) => sum + Math.max(0, (end.get(p.partition) ?? 0) - Math.max(0, Number(p.offset))), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics when they exist and creates them empty with the given partition counts. */
export async function recreateTopics(kafka: Kafka, topics: readonly { topic: string; partitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const stale = topics.map((t) => t.topic).filter((t) => existing.has(t));
    if (stale.length > 0) {
      await admin.deleteTopics({ topics: stale, timeout: 30_000 });
      // deletion is asynchronous in the broker: wait until the names are free again
      await waitFor(async () => !(await admin.listTopics()).some((t) => stale.includes(t)) || undefined, { delayMs: 200, maxWaitMs: 30_000, description: `deletion of ${stale.join(', ')}` });
    }
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics that do not exist yet. */
export async function ensureTopics(kafka: Kafka, topics: readonly { topic: string; partitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
