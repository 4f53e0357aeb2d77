/** RatingEvents on Kafka: kafkajs, idempotent, acks from all in-sync replicas, Avro single-object encoding. */
import { Partitioners, type Kafka } from 'kafkajs';
import { createCodec } from '../schemas/avro.ts';
import type { RatingEvents } from './store.ts';

export function createKafkaEvents({ kafka, topic, timeoutMs = 3000 }: { kafka: Kafka; topic: string; timeoutMs?: number }): RatingEvents {
  const codec = createCodec('rating-event');
  // the Java-compatible murmur2 partitioner: a user's events land where the replay puts them
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 2, maxRetryTime: timeoutMs },
  });
  let connected: Promise<void> | undefined;
  const connect = () =>
    (connected ??= producer.connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    }));
  // connect now, so the first rating does not pay for it; a failure here is retried on publish
  connect().catch(() => undefined);
  return {
    async publish(e) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Kafka did not acknowledge within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([
          (async () => {
            await connect();
            await producer.send({ topic, acks: -1, messages: [{ key: String(e.userId), value: codec.encode({ ...e, source: 'API' }) }] });
          })(),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (connected) await producer.disconnect().catch(() => undefined);
    },
  };
}
