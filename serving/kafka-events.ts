/**
 * RatingEvents on Kafka: kafkajs, idempotent, acks from all in-sync replicas, Avro single-object
 * encoding.
 *
 * One batch is in flight at a time; the events posted meanwhile wait and go together in the next.
 * A batch goes out as one send per partition (lib/kafkajs-send.ts: a kafkajs send spanning
 * brokers can lose records when one of them dies), and a partition's events are acknowledged when
 * its send is. One batch at a time is what keeps the idempotent producer's sequence numbers
 * honest: kafkajs gives a failed request's sequence numbers back, so a retry of the same
 * partition's events by the same producer reuses them and the broker drops it as a duplicate if
 * the first attempt was written after all. Were other sends allowed in between, one of them would
 * take those numbers and be dropped (acknowledged, never written) or refused as out of order.
 *
 * So the events of a partition whose send failed in a way that may have written them (a
 * connection lost, a timeout, a retriable error) are retried, unchanged and by the same producer,
 * for as long as the process runs:
 * never given up on and sent again later by another producer, which the broker could not recognise
 * as a duplicate. Meanwhile the events posted wait in a bounded queue (`maxQueued`); beyond it, a
 * publish fails at once.
 *
 * After a refusal of the producer itself (the broker refusing its id, epoch or sequence, whereupon
 * nothing of the batch was written) or a non-retriable error, the producer is disconnected and a
 * fresh one (new producer id) made for the next send.
 */
import { Partitioners, type Message, type Producer, type ProducerConfig } from 'kafkajs';
import { byPartition } from '../lib/kafkajs-send.ts';
import { createCodec } from '../schemas/avro.ts';
import type { RatingEvent, RatingEvents } from './store.ts';

/** What is needed of a kafkajs `Kafka`: injectable, so the recreate logic is tested without Kafka. */
export interface ProducerSource {
  producer(config: ProducerConfig): Pick<Producer, 'connect' | 'send' | 'disconnect'>;
}

type ErrorKind = 'transient' | 'producer-state' | 'fatal';

const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'UNKNOWN_PRODUCER_ID']);

/**
 * How a send failed:
 * - `producer-state`: the broker refused the batch because of the producer's id, epoch or sequence
 *   (nothing of it was written), or the producer is disconnected: a fresh producer, then the same
 *   batch again;
 * - `fatal`: any other non-retriable error (a KafkaJSNonRetriableError; the broker refused the
 *   batch): a fresh producer, and the batch fails now (sending it again would fail the same way);
 * - `transient`: connection errors, timeouts, retriable protocol errors, and kafkajs running out of
 *   retries on those (KafkaJSNumberOfRetriesExceeded, though it is a KafkaJSNonRetriableError, is
 *   judged by its cause): the batch may or may not have been written, so the same producer retries it.
 */
export function classifyProducerError(error: unknown): ErrorKind {
  const chain: { name?: string; type?: string; message?: string; retriable?: boolean }[] = [];
  for (let e: unknown = error; e && typeof e === 'object' && chain.length < 8; e = (e as { cause?: unknown }).cause) {
    chain.push(e as (typeof chain)[number]);
    if ((e as { cause?: unknown }).cause === e) break;
  }
  if (chain.some((e) => (e.type && PRODUCER_STATE_ERRORS.has(e.type)) || /producer is disconnected/i.test(e.message ?? ''))) return 'producer-state';
  const first = chain[0];
  if (!first) return 'transient';
  if (first.name === 'KafkaJSNumberOfRetriesExceeded') return chain.slice(1).some((e) => e.retriable === false) ? 'fatal' : 'transient';
  if (first.name === 'KafkaJSNonRetriableError' || first.retriable === false) return 'fatal';
  return 'transient';
}

interface Pending {
  message: Message;
  resolve(): void;
  reject(error: unknown): void;
}

export function createKafkaEvents({
  kafka,
  topic,
  partitions,
  maxQueued = 10_000,
  retryBackoffMs = 250,
  maxBatch = 500,
  log = () => {},
}: {
  kafka: ProducerSource;
  topic: string;
  /** the topic's partition count (asked once, on the first send) */
  partitions: () => Promise<number>;
  /** events waiting for Kafka (the batch in flight included) beyond which a publish fails at once */
  maxQueued?: number;
  retryBackoffMs?: number;
  /** events per send at most */
  maxBatch?: number;
  log?: (line: string) => void;
}): RatingEvents & { producersCreated(): number } {
  const codec = createCodec('rating-event');
  const queue: Pending[] = [];
  let pumping = false;
  let closed = false;
  let created = 0;
  let current: { producer: ReturnType<ProducerSource['producer']>; connected: Promise<void> } | undefined;

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  function producer() {
    if (!current) {
      // the Java-compatible murmur2 partitioner: a user's events land where the replay puts them
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { retries: 2, maxRetryTime: 3000 },
      });
      created++;
      current = { producer: p, connected: p.connect() };
      current.connected.catch(() => undefined);
    }
    return current;
  }

  async function dropProducer(reason?: string) {
    const old = current;
    current = undefined;
    if (!old) return;
    if (reason) log(`Kafka producer replaced after ${reason}`);
    await old.producer.disconnect().catch(() => undefined);
  }

  let partitionCount: number | undefined;

  async function deliver(batch: Pending[]) {
    // the events of the partitions not yet acknowledged
    let left = batch;
    const fail = (error: unknown) => {
      for (const b of left) b.reject(error);
    };
    for (;;) {
      if (closed) return fail(new Error('the Kafka producer is closed'));
      const p = producer();
      try {
        await p.connected;
        partitionCount ??= await partitions();
      } catch {
        // never connected, so no sequence numbers were used: simply try a new one
        if (current === p) current = undefined;
        await p.producer.disconnect().catch(() => undefined);
        await sleep(retryBackoffMs);
        continue;
      }
      // one send per partition (lib/kafkajs-send.ts); a partition's events are acknowledged as its send is
      const groups = [...byPartition(left, (b) => b.message.key as string, partitionCount)];
      const results = await Promise.allSettled(
        groups.map(([partition, group]) => p.producer.send({ topic, acks: -1, messages: group.map((b) => ({ ...b.message, partition })) })),
      );
      groups.forEach(([, group], i) => {
        if (results[i]!.status === 'fulfilled') for (const b of group) b.resolve();
      });
      left = groups.flatMap(([, group], i) => (results[i]!.status === 'rejected' ? group : []));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (!failed) return;
      const kind = classifyProducerError(failed.reason);
      const message = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
      if (kind !== 'transient') await dropProducer(`a ${kind} error: ${message}`);
      if (kind === 'fatal') return fail(failed.reason);
      await sleep(retryBackoffMs);
    }
  }

  let inFlight = 0;
  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        inFlight = batch.length;
        try {
          await deliver(batch);
        } finally {
          inFlight = 0;
        }
      }
    } finally {
      pumping = false;
    }
  }

  // connect now, so the first rating does not pay for it; a failure here is retried on publish
  producer();

  return {
    publish(e: RatingEvent) {
      return new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error('the Kafka producer is closed'));
        if (queue.length + inFlight >= maxQueued) return reject(new Error(`${maxQueued} ratings are already waiting for Kafka`));
        // stamped with the rating's own time: the API's speed view (rating-signals.ts) takes a
        // user's new speed row once its ratedUntil reaches the record's time; the producer's send
        // time is a few ms later, which kept a user who rated unsettled (read per request) for
        // API_SPEED_VIEW_TTL_MS instead of API_SPEED_VIEW_SETTLE_MS
        const message = { key: String(e.userId), value: codec.encode({ ...e, source: 'API' }), timestamp: String(e.ratedAt) };
        queue.push({ message, resolve, reject });
        void pump();
      });
    },
    producersCreated: () => created,
    async close() {
      closed = true;
      for (const b of queue.splice(0)) b.reject(new Error('the Kafka producer is closed'));
      while (pumping) await sleep(20);
      await dropProducer();
    },
  };
}
