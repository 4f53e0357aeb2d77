/**
 * Where rating events go: one small interface, two Node Kafka clients behind it (kafkajs and
 * @platformatic/kafka), so the replay and its benchmark can compare them. Both are idempotent
 * producers with acks=all and the Java client's murmur2 partitioning of the key, so an event
 * lands on the same partition whichever client (or a Java producer) sent it, and a retry after
 * a broker restart does not write it twice.
 */
import { Producer, ProduceAcks, compatibilityPartitioner } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { PipelineError } from '../lib/errors.ts';
import { byPartition, partitionCount } from '../lib/kafkajs-send.ts';
import { kafkaJsSecurity, platformaticSecurity, type KafkaEndpoint } from '../lib/platform.ts';
import { createDirectSink } from './direct-sink.ts';

export interface KeyedRecord {
  key: Buffer;
  value: Buffer;
}

/**
 * Records side by side in one buffer, as the replay's encoder writes them, with no object per
 * record: record i's key is `buf[starts[i], keyEnds[i])` and its value runs from `keyEnds[i]` to
 * the next record's start (the last one's to `end`).
 */
export interface PackedRecords {
  readonly buf: Buffer;
  readonly starts: Int32Array;
  readonly keyEnds: Int32Array;
  readonly count: number;
  readonly end: number;
}

export type Records = readonly KeyedRecord[] | PackedRecords;

/** Where record i's value ends: at the next record's start, the last one's at `end`. */
export function valueEnd({ starts, count, end }: PackedRecords, i: number): number {
  return i + 1 < count ? starts[i + 1]! : end;
}

export function isPacked(records: Records): records is PackedRecords {
  return !Array.isArray(records);
}

/** The records as one object each, for the clients that take them so. */
export function keyedRecords(records: Records): readonly KeyedRecord[] {
  if (!isPacked(records)) return records;
  const { buf, starts, keyEnds, count } = records;
  return Array.from({ length: count }, (_, i) => ({
    key: buf.subarray(starts[i], keyEnds[i]),
    value: buf.subarray(keyEnds[i], valueEnd(records, i)),
  }));
}

/** The records side by side in one buffer, for the sink that builds its own batches (a copy when they come one object each). */
export function packedRecords(records: Records): PackedRecords {
  if (isPacked(records)) return records;
  const buf = Buffer.concat(records.flatMap(({ key, value }) => [key, value]));
  const starts = new Int32Array(records.length);
  const keyEnds = new Int32Array(records.length);
  let pos = 0;
  records.forEach(({ key, value }, i) => {
    starts[i] = pos;
    keyEnds[i] = pos + key.length;
    pos += key.length + value.length;
  });
  return { buf, starts, keyEnds, count: records.length, end: pos };
}

export function recordCount(records: Records): number {
  return isPacked(records) ? records.count : records.length;
}

export interface RatingSink {
  readonly client: SinkClient;
  /** how many sends may be outstanding at once; a sink keeps their order */
  readonly maxInFlight: number;
  /** resolves once every record is acknowledged by all in-sync replicas */
  send(records: Records): Promise<void>;
  /** sends sent again so far (refused, or not answered): none while the broker is well; the direct sink counts them */
  readonly retries?: number;
  close(): Promise<void>;
}

export const SINK_CLIENTS = ['direct', 'platformatic', 'kafkajs'] as const;
export type SinkClient = (typeof SINK_CLIENTS)[number];

export interface SinkOptions {
  /** the brokers and how to authenticate to them */
  kafka: KafkaEndpoint;
  topic: string;
  clientId?: string;
  /** how long a send keeps retrying through broker outages before it fails */
  maxRetryTimeMs?: number;
}

export class ProduceError extends PipelineError {}

export function createKafkaJsSink({ kafka: endpoint, topic, clientId = 'moviereco-replay', maxRetryTimeMs = 120_000 }: SinkOptions): RatingSink {
  const kafka = new Kafka({
    clientId,
    brokers: [...endpoint.brokers],
    logLevel: logLevel.NOTHING,
    ...kafkaJsSecurity(endpoint.security),
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
  });
  // the producer connected and the topic's partition count: a send goes out one partition at a time (lib/kafkajs-send.ts)
  let connected: Promise<number> | undefined;
  return {
    client: 'kafkajs',
    maxInFlight: 1,
    async send(records) {
      connected ??= producer.connect().then(() => partitionCount(kafka, topic));
      const partitions = await connected;
      const groups = byPartition(keyedRecords(records), (r) => r.key, partitions);
      const sends = [...groups].map(([partition, group]) =>
        producer.send({ topic, acks: -1, messages: group.map(({ key, value }) => ({ key, value, partition })) }),
      );
      try {
        await withTimeout(Promise.all(sends), maxRetryTimeMs);
      } catch (error) {
        throw new ProduceError(`kafkajs: producing ${recordCount(records)} records to ${topic} failed: ${(error as Error).message}`, {
          cause: error,
          retriable: false,
        });
      }
    },
    async close() {
      if (connected) await producer.disconnect();
    },
  };
}

export function createPlatformaticSink({ kafka: endpoint, topic, clientId = 'moviereco-replay', maxRetryTimeMs = 120_000 }: SinkOptions): RatingSink {
  const retryDelay = 500;
  const producer = new Producer({
    clientId,
    bootstrapBrokers: [...endpoint.brokers],
    ...platformaticSecurity(endpoint.security),
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    retries: Math.ceil(maxRetryTimeMs / retryDelay),
    retryDelay,
  });
  return {
    client: 'platformatic',
    // the client's idempotent producer counts sequences on acknowledgement: more in flight is refused by the broker
    maxInFlight: 1,
    async send(records) {
      try {
        await producer.send({ messages: keyedRecords(records).map(({ key, value }) => ({ topic, key, value })) });
      } catch (error) {
        const inner = (error as { errors?: Error[] }).errors?.[0];
        throw new ProduceError(
          `@platformatic/kafka: producing ${recordCount(records)} records to ${topic} failed: ${(error as Error).message}${inner ? ` (${inner.message})` : ''}`,
          { cause: error, retriable: false },
        );
      }
    },
    async close() {
      await producer.close();
    },
  };
}

export function createRatingSink(client: SinkClient, options: SinkOptions): RatingSink {
  if (client === 'direct') return createDirectSink(options);
  return client === 'kafkajs' ? createKafkaJsSink(options) : createPlatformaticSink(options);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
