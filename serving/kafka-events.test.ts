/** The API's Kafka producer without Kafka: a fake kafkajs producer whose sends fail as scripted. */
import kafkajs, { type Message, type ProducerConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../schemas/avro.ts';
import { byPartition } from '../lib/kafkajs-send.ts';
import { classifyProducerError, createKafkaEvents, type ProducerSource } from './kafka-events.ts';

const { KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
const codec = createCodec('rating-event');

const protocol = (type: string, code: number) => new KafkaJSProtocolError({ message: `broker says ${type}`, type, code, retriable: false } as never);
// what kafkajs's retrier rejects with when the broker refuses a batch for good
const nonRetriable = (e: Error) => Object.assign(new KafkaJSNonRetriableError(e), { cause: e });
const outOfOrder = () => nonRetriable(protocol('OUT_OF_ORDER_SEQUENCE_NUMBER', 45));
const connectionLost = () =>
  new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: ECONNREFUSED'), { retryCount: 2, retryTime: 300 });

/** Each producer it makes sends by `script` (an error to throw, or undefined to succeed), in order across producers. */
function fakeKafka(script: (Error | undefined)[]) {
  const producers: { config: ProducerConfig; sent: Message[][]; disconnected: boolean }[] = [];
  const kafka: ProducerSource = {
    producer(config) {
      const p = { config, sent: [] as Message[][], disconnected: false };
      producers.push(p);
      return {
        connect: async () => {},
        send: async ({ messages }) => {
          if (p.disconnected) throw new KafkaJSError('The producer is disconnected');
          const error = script.shift();
          if (error) throw error;
          p.sent.push(messages);
          return [];
        },
        disconnect: async () => {
          p.disconnected = true;
        },
      };
    },
  };
  return { kafka, producers };
}

const one = async () => 1;
const event = (n: number) => ({ eventId: `api:${n}:k${n}`, userId: n, movieId: 10 + n, rating: 4, ratedAt: 1_700_000_000_000 + n, action: 'RATE' as const });
const decoded = (producers: ReturnType<typeof fakeKafka>['producers']) =>
  producers.flatMap((p) => p.sent.flat().map((m) => codec.decode(m.value as Buffer).eventId));

describe('classifyProducerError', () => {
  it('tells producer-state, fatal and transient errors apart', () => {
    expect(classifyProducerError(outOfOrder())).toBe('producer-state');
    expect(classifyProducerError(nonRetriable(protocol('UNKNOWN_PRODUCER_ID', 59)))).toBe('producer-state');
    expect(classifyProducerError(protocol('INVALID_PRODUCER_EPOCH', 47))).toBe('producer-state');
    expect(classifyProducerError(new KafkaJSError('The producer is disconnected'))).toBe('producer-state');
    expect(classifyProducerError(nonRetriable(protocol('MESSAGE_TOO_LARGE', 10)))).toBe('fatal');
    expect(classifyProducerError(connectionLost())).toBe('transient');
    expect(classifyProducerError(new KafkaJSNumberOfRetriesExceeded(protocol('CORRUPT_MESSAGE', 2), { retryCount: 2, retryTime: 1 }))).toBe('fatal');
    expect(classifyProducerError(new KafkaJSConnectionError('Connection timeout'))).toBe('transient');
    expect(classifyProducerError(new Error('something else'))).toBe('transient');
  });
});

describe('createKafkaEvents', () => {
  it("sends idempotently with acks from all replicas, keyed by user, as Avro with source API, at the rating's time", async () => {
    const { kafka, producers } = fakeKafka([]);
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one });
    await events.publish(event(1));
    expect(producers).toHaveLength(1);
    expect(producers[0]!.config).toMatchObject({ idempotent: true, maxInFlightRequests: 1 });
    const [message] = producers[0]!.sent[0]!;
    expect(message!.key).toBe('1');
    expect(codec.decode(message!.value as Buffer)).toMatchObject({ ...event(1), source: 'API' });
    // the record's time is the rating's, which a speed row's ratedUntil is compared with
    expect(message!.timestamp).toBe(String(event(1).ratedAt));
    await events.close();
  });

  it('after an out-of-order-sequence error, a fresh producer sends the same batch, and the next sends use it', async () => {
    const lines: string[] = [];
    const { kafka, producers } = fakeKafka([outOfOrder()]);
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one, retryBackoffMs: 1, log: (l) => lines.push(l) });
    await events.publish(event(1));
    await events.publish(event(2));
    expect(producers).toHaveLength(2);
    expect(producers[0]!.disconnected).toBe(true);
    expect(producers[1]!.sent).toHaveLength(2);
    expect(decoded(producers)).toEqual(['api:1:k1', 'api:2:k2']);
    expect(events.producersCreated()).toBe(2);
    expect(lines.join('\n')).toMatch(/Kafka producer replaced after a producer-state error: broker says OUT_OF_ORDER_SEQUENCE_NUMBER/);
    await events.close();
  });

  it('a producer that disconnected is replaced', async () => {
    const { kafka, producers } = fakeKafka([new KafkaJSError('The producer is disconnected')]);
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one, retryBackoffMs: 1 });
    await events.publish(event(1));
    expect(producers).toHaveLength(2);
    expect(decoded(producers)).toEqual(['api:1:k1']);
    await events.close();
  });

  it('a non-retriable refusal fails that send at once and replaces the producer for the next', async () => {
    const { kafka, producers } = fakeKafka([nonRetriable(protocol('MESSAGE_TOO_LARGE', 10))]);
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one, retryBackoffMs: 1 });
    await expect(events.publish(event(1))).rejects.toThrow(/MESSAGE_TOO_LARGE/);
    await events.publish(event(2));
    expect(producers).toHaveLength(2);
    expect(decoded(producers)).toEqual(['api:2:k2']);
    await events.close();
  });

  it('keeps the producer (and its sequence numbers) through transient errors and retries the same batch', async () => {
    const { kafka, producers } = fakeKafka([connectionLost(), connectionLost()]);
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one, retryBackoffMs: 1 });
    await events.publish(event(1));
    expect(producers).toHaveLength(1);
    expect(decoded(producers)).toEqual(['api:1:k1']);
    await events.close();
  });

  it('never gives up on a batch Kafka may have written: the same producer retries it until Kafka is back, and a full queue refuses at once', async () => {
    // Kafka away for 200 attempts (about a second here): far beyond any fixed delivery timeout's share of the test
    const { kafka, producers } = fakeKafka(Array.from({ length: 200 }, () => connectionLost()));
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one, retryBackoffMs: 5, maxQueued: 3 });
    const first = events.publish(event(1));
    const waiting = [events.publish(event(2)), events.publish(event(3))];
    await expect(events.publish(event(4))).rejects.toThrow(/3 ratings are already waiting for Kafka/);
    await Promise.all([first, ...waiting]);
    expect(producers).toHaveLength(1);
    expect(decoded(producers)).toEqual(['api:1:k1', 'api:2:k2', 'api:3:k3']);
    await events.publish(event(5));
    await events.close();
  });

  it('a batch still unsent when the producer closes fails, so that a retry may send it again', async () => {
    const { kafka } = fakeKafka(Array.from({ length: 1000 }, () => connectionLost()));
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one, retryBackoffMs: 5 });
    const pending = events.publish(event(1));
    const failed = expect(pending).rejects.toThrow(/closed/);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await events.close();
    await failed;
  });

  it('sends a batch one partition at a time and retries only the partitions whose send failed', async () => {
    // the second partition's first send loses its connection: that partition alone is sent again
    const { kafka, producers } = fakeKafka([undefined, connectionLost()]);
    const events = createKafkaEvents({ kafka, topic: 't', partitions: async () => 4, retryBackoffMs: 1 });
    const users = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const placed = byPartition(users, String, 4);
    expect(placed.size).toBeGreaterThan(2);
    await Promise.all(users.map((n) => events.publish(event(n))));
    const sends = producers[0]!.sent;
    expect(sends).toHaveLength(placed.size + 1);
    for (const send of sends) expect(new Set(send.map((m) => m.partition)).size).toBe(1);
    for (const send of sends) for (const m of send) expect(placed.get(m.partition!)).toContain(Number(m.key));
    // every event written once: the partition acknowledged first was not sent again
    expect(decoded(producers).sort()).toEqual(users.map((n) => `api:${n}:k${n}`).sort());
    expect(producers).toHaveLength(1);
    await events.close();
  });

  it('one send at a time: events posted meanwhile go together in the next send', async () => {
    const { kafka, producers } = fakeKafka([]);
    const events = createKafkaEvents({ kafka, topic: 't', partitions: one });
    await Promise.all([1, 2, 3, 4].map((n) => events.publish(event(n))));
    expect(producers[0]!.sent.map((batch) => batch.length)).toEqual([1, 3]);
    expect(decoded(producers)).toEqual(['api:1:k1', 'api:2:k2', 'api:3:k3', 'api:4:k4']);
    await events.close();
    await expect(events.publish(event(5))).rejects.toThrow(/closed/);
  });
});
