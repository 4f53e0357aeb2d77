/** Small Kafka admin tasks shared by the tools: consumer lag, topics made afresh or ensured, a small topic read to its end. */
import type { Admin, ITopicConfig, Kafka, KafkaMessage } from 'kafkajs';
import { TimeoutError } from './errors.ts';
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

/**
 * Creates the topics (false: they all existed) and waits until every partition has a leader.
 * kafkajs's own `waitForLeaders` retries only LEADER_NOT_AVAILABLE and gives up on
 * UNKNOWN_TOPIC_OR_PARTITION, which a busy broker answers for a moment after it created a topic (2
 * of 6 tries on a loaded 2-core machine failed so), so this waits itself, on the topics' metadata.
 */
export async function createTopicsWithLeaders(admin: Admin, topics: ITopicConfig[], maxWaitMs = 30_000): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  await waitFor(
    async () => {
      const meta = (await admin.fetchTopicMetadata({ topics: names })).topics;
      return meta.length === names.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    },
    { delayMs: 100, maxWaitMs, description: `a leader for every partition of ${names.join(', ')}` },
  );
  return created;
}

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
    await createTopicsWithLeaders(
      admin,
      topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions })),
    );
  });
}

/** Creates the topics that do not exist yet. */
export function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<void> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0)
      await createTopicsWithLeaders(
        admin,
        missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions })),
      );
  });
}

/**
 * Every record of a topic from the beginning to its end as of now (for small topics: the
 * compacted model announcements), read by a throw-away consumer group that is deleted afterwards.
 */
export async function readToEnd(kafka: Kafka, topic: string, { timeoutMs = 20_000 }: { timeoutMs?: number } = {}): Promise<KafkaMessage[]> {
  const ends = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  if (remaining.size === 0) return [];
  const groupId = `moviereco-read-${topic}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const consumer = kafka.consumer({ groupId });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`reading ${topic} to its end took more than ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            messages.push(message);
            if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await withAdmin(kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
  return messages;
}

/** Records appended to the topic since `sinceMs` (by the records' timestamps, the producers' send times), summed over partitions. */
export function producedSince(kafka: Kafka, topic: string, sinceMs: number): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const [ends, from] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchTopicOffsetsByTimestamp(topic, sinceMs)]);
    const start = new Map(from.map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((sum, p) => {
      const first = start.get(p.partition);
      // -1 or missing: no record at or after the time
      return sum + (first === undefined || first < 0 ? 0 : Math.max(0, Number(p.high) - first));
    }, 0);
  });
}
