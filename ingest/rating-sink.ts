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
import { kafkaJsSecurity, tlsOf, type KafkaEndpoint } from '../lib/platform.ts';

export interface KeyedRecord {
  key: Buffer;
  value: Buffer;
}

export interface RatingSink {
  readonly client: SinkClient;
  /** resolves once every record is acknowledged by all in-sync replicas */
  send(records: readonly KeyedRecord[]): Promise<void>;
  close(): Promise<void>;
}

export const SINK_CLIENTS = ['platformatic', 'kafkajs'] as const;
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
  let connected: Promise<void> | undefined;
  return {
    client: 'kafkajs',
    async send(records) {
      connected ??= producer.connect();
      await connected;
      try {
        await withTimeout(producer.send({ topic, acks: -1, messages: records.map(({ key, value }) => ({ key, value })) }), maxRetryTimeMs);
      } catch (error) {
        throw new ProduceError(`kafkajs: producing ${records.length} records to ${topic} failed: ${(error as Error).message}`, {
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
  const { protocol, mechanism, username, password, caFile } = endpoint.security;
  const tls = tlsOf(caFile);
  const producer = new Producer({
    clientId,
    bootstrapBrokers: [...endpoint.brokers],
    ...(protocol === 'SSL' || protocol === 'SASL_SSL' ? { tls: tls === true ? {} : tls } : {}),
    ...(protocol.startsWith('SASL') ? { sasl: { mechanism, username, password: password ?? '' } } : {}),
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    retries: Math.ceil(maxRetryTimeMs / retryDelay),
    retryDelay,
  });
  return {
    client: 'platformatic',
    async send(records) {
      try {
        await producer.send({ messages: records.map(({ key, value }) => ({ topic, key, value })) });
      } catch (error) {
        const inner = (error as { errors?: Error[] }).errors?.[0];
        throw new ProduceError(
          `@platformatic/kafka: producing ${records.length} records to ${topic} failed: ${(error as Error).message}${inner ? ` (${inner.message})` : ''}`,
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
