/**
 * Sending with kafkajs: one send per partition.
 *
 * kafkajs 2.2.4 loses records when a send spans partitions led by different brokers and one of
 * those brokers dies. Its send makes one request per leader; when one fails, the retry looks the
 * leaders up again but sends only to brokers that have not answered yet. A partition whose leader
 * died and moved to a broker that had already answered is never sent, and the send resolves as if
 * it had been (node_modules/kafkajs/src/producer/sendMessages.js, `brokersWithoutResponse`). The
 * cluster's broker drill lost 3 of 3,000 replayed and 15 of 600 twin ratings that way.
 *
 * A send for a single partition has a single leader per attempt, so its retry always goes to that
 * partition's leader of the moment. The records are grouped by kafkajs's default partitioner (the
 * Java client's murmur2 of the key), so each lands where one send of them all would put it.
 */
import { Partitioners, type Kafka, type PartitionMetadata } from 'kafkajs';

/** The topic's partition count, from the brokers' metadata. */
export async function partitionCount(kafka: Pick<Kafka, 'admin'>, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = topics[0]?.partitions.length ?? 0;
    if (count < 1) throw new Error(`topic ${topic} has no partitions in the brokers' metadata`);
    return count;
  } finally {
    await admin.disconnect();
  }
}

/** `items` grouped by the partition of their key, as kafkajs's default partitioner places a keyed record among `partitions`. */
export function byPartition<T>(items: readonly T[], keyOf: (item: T) => Buffer | string, partitions: number): Map<number, T[]> {
  const partitioner = Partitioners.DefaultPartitioner();
  // a keyed record's partition depends only on the key and the count
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }) as PartitionMetadata);
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const partition = partitioner({ topic: '', partitionMetadata, message: { key: keyOf(item), value: null } });
    const group = groups.get(partition);
    if (group) group.push(item);
    else groups.set(partition, [item]);
  }
  return groups;
}
