/**
 * The replay's fastest sink: record batches built here from the encoded bytes (record-batch.ts)
 * and sent as Produce requests over @platformatic/kafka's connections, which keep the login
 * (SASL/SCRAM, TLS), the metadata and the idempotent producer id. The client's own send path
 * builds several objects and buffers per record; at tens of thousands of records per request
 * that, not the broker, was the replay's limit.
 *
 * Exactly once per event, as with the other sinks: the producer is idempotent (acks=all, a
 * sequence number per partition assigned when a batch is sealed, in the order of the sends), up
 * to three sends are in flight on one connection per leader, and a failed batch is sent again
 * with the same bytes and sequence until the broker takes it.
 *
 * Once any send has failed, sends go out one after another, in the order they were sealed, until
 * the failing ones are through: a retry, and a new send, wait until every earlier send is settled.
 * So does a send while a partition it writes to has no batch acknowledged yet ({@link
 * aheadOfFirstBatch}): before that, a first batch that fails is found out too late for the sends
 * already in flight behind it (a drill lost 277 events so, the first batch of a partition of a
 * topic made 0.3 s earlier). Every other send still waits until the sends before it are out (on
 * their connections, not answered): a send that went while an earlier one waited would reach the
 * broker first, be refused as out of order, and put every send after it in line again (the
 * replay of 32M ran at 123,000 events/s so, against 1.1 million).
 * Two reasons. A broker that knows nothing of the producer on a partition (a batch in flight was
 * its first there when the broker restarted) takes any sequence, so a later batch sent first would
 * be taken and the earlier one refused for good. And the broker recognises a retried batch as a
 * duplicate only among the last five batches of a producer, after a restart only the last one: a
 * batch it refuses as out of order although every earlier batch of its partition is acknowledged
 * is in its log already ({@link heldAlready}), and is not sent again.
 */
import {
  type Broker,
  type ClusterMetadata,
  type Connection,
  ConnectionPool,
  Producer,
  ProduceAcks,
  protocolErrors,
  protocolErrorsCodesById,
  type Reader,
  Writer,
} from '@platformatic/kafka';
import { platformaticSecurity } from '../lib/platform.ts';
import { PipelineError } from '../lib/errors.ts';
import { retry } from '../lib/retry.ts';
import { createRecordBatch, partitionOfKey, type ProducerIdentity, type RecordBatch } from './record-batch.ts';
import { packedRecords, ProduceError, recordCount, valueEnd, type RatingSink, type SinkOptions } from './rating-sink.ts';

const PRODUCE = 0;
const PRODUCE_VERSION = 11;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const DUPLICATE_SEQUENCE_NUMBER = 46;
/** sends outstanding at once; Kafka keeps an idempotent producer's order for up to 5 per partition */
const MAX_IN_FLIGHT = 3;
/** how long the broker may wait for the in-sync replicas before it answers */
const BROKER_TIMEOUT_MS = 30_000;

/** a partition's batch as sealed, with its first and last sequence (counted without Kafka's wrap) */
export interface Sealed {
  batch: Buffer;
  first: number;
  last: number;
}

export interface PartitionResult {
  partition: number;
  errorCode: number;
  errorMessage: string | null;
}

/** A partition the broker did not take; `retriable` as Kafka's protocol defines it. */
class PartitionError extends PipelineError {}

/**
 * Whether a batch the broker refused as out of order is in its log already: every sequence before
 * the batch's first (`firstSequence`; counted, like `ackedThrough`, the highest last sequence
 * acknowledged on its partition, without Kafka's wrap at 2^31) is acknowledged, so the broker's
 * last sequence is past the batch's first, and the broker takes batches only whole and in order.
 * Such a refusal is a duplicate the broker no longer recognises; any other is a batch that waits
 * for an earlier one.
 */
export function heldAlready(firstSequence: number, ackedThrough: number): boolean {
  return firstSequence <= ackedThrough + 1;
}

/**
 * Whether a batch in `sealed` would reach a partition on which nothing is acknowledged yet without
 * being that partition's first batch: the broker takes any first sequence from a producer it
 * knows nothing of there, so if the first batch failed and this one went past it, this one would
 * be taken and the first refused for good. Such a send waits for every earlier send.
 */
export function aheadOfFirstBatch(sealed: ReadonlyMap<number, Sealed>, ackedThrough: readonly number[]): boolean {
  for (const [partition, { first }] of sealed) if (first > 0 && ackedThrough[partition]! < 0) return true;
  return false;
}

/**
 * Takes the broker's answers to a Produce request: each partition the broker holds now (taken, a
 * duplicate, or out of order but {@link heldAlready}) leaves `pending` and moves `ackedThrough`;
 * returns why each other one failed, `retriable` as Kafka's protocol defines it.
 */
export function takeAnswers(results: readonly PartitionResult[], pending: Map<number, Sealed>, ackedThrough: number[]): PartitionError[] {
  const failures: PartitionError[] = [];
  for (const { partition, errorCode, errorMessage } of results) {
    const { first, last } = pending.get(partition)!;
    // a duplicate is a batch the broker already holds: a retry whose first answer was lost
    const taken =
      errorCode === 0 ||
      errorCode === DUPLICATE_SEQUENCE_NUMBER ||
      (errorCode === OUT_OF_ORDER_SEQUENCE_NUMBER && heldAlready(first, ackedThrough[partition]!));
    if (taken) {
      ackedThrough[partition] = Math.max(ackedThrough[partition]!, last);
      pending.delete(partition);
      continue;
    }
    const name = protocolErrorsCodesById[errorCode as keyof typeof protocolErrorsCodesById] ?? `error ${errorCode}`;
    // out of order: an earlier batch of this partition failed and is being sent again; this one follows it
    const retriable = errorCode === OUT_OF_ORDER_SEQUENCE_NUMBER || (protocolErrors[name as keyof typeof protocolErrors]?.canRetry ?? false);
    failures.push(new PartitionError(`partition ${partition}: ${name}${errorMessage ? ` (${errorMessage})` : ''}`, { retriable }));
  }
  return failures;
}

function produceRequest(topic: string, batches: ReadonlyMap<number, Buffer>): Writer {
  const w = Writer.create()
    .appendString(null) // transactional id
    .appendInt16(ProduceAcks.ALL)
    .appendInt32(BROKER_TIMEOUT_MS)
    .appendUnsignedVarInt(2) // one topic (compact array: length + 1)
    .appendString(topic)
    .appendUnsignedVarInt(batches.size + 1);
  for (const [partition, batch] of batches) {
    w.appendInt32(partition)
      .appendUnsignedVarInt(batch.length + 1)
      .append(batch)
      .appendTaggedFields();
  }
  return w.appendTaggedFields().appendTaggedFields();
}

function parseProduceResponse(_correlationId: number, _apiKey: number, _apiVersion: number, r: Reader): PartitionResult[] {
  const results: PartitionResult[] = [];
  r.readArray((t) => {
    t.readString();
    t.readArray((p) => {
      const partition = p.readInt32();
      const errorCode = p.readInt16();
      p.readInt64(); // base offset
      p.readInt64(); // log append time
      p.readInt64(); // log start offset
      p.readArray((e) => {
        e.readInt32();
        e.readNullableString();
      });
      results.push({ partition, errorCode, errorMessage: p.readNullableString() });
    });
  });
  r.readInt32(); // throttle time
  return results;
}

function send(connection: Connection, topic: string, batches: ReadonlyMap<number, Buffer>): Promise<PartitionResult[]> {
  return new Promise((resolve, reject) => {
    connection.send(
      PRODUCE,
      PRODUCE_VERSION,
      () => produceRequest(topic, batches),
      parseProduceResponse,
      true,
      true,
      (error, results) => (error ? reject(error) : resolve(results!)),
    );
  });
}

export function createDirectSink({ kafka: endpoint, topic, clientId = 'moviereco-replay', maxRetryTimeMs = 120_000 }: SinkOptions): RatingSink {
  const connectionOptions = platformaticSecurity(endpoint.security);
  // the client's producer only does the bookkeeping: metadata, and the idempotent producer id
  const client = new Producer({ clientId, bootstrapBrokers: [...endpoint.brokers], ...connectionOptions, idempotent: true, retries: 10, retryDelay: 500 });
  const pool = new ConnectionPool(clientId, connectionOptions);
  let ready:
    | Promise<{
        identity: ProducerIdentity;
        batches: RecordBatch[];
        /** per partition: records sealed so far (the next batch's sequence, but for Kafka's wrap), and the highest last sequence the broker acknowledged (without the wrap) */
        sealedCounts: number[];
        ackedThrough: number[];
      }>
    | undefined;
  let metadata: ClusterMetadata | undefined;
  // once a batch is lost the partition's sequence has a gap, so no later batch can be taken: the
  // sink fails every send from then on, and batches still retrying stop (as they do on close)
  let stopped: Error | undefined;
  // settles once every send so far has settled; once every send so far is out; and how many
  // sends are failing now
  let previous: Promise<unknown> = Promise.resolve();
  let previousOut: Promise<unknown> = Promise.resolve();
  let failing = 0;
  let retries = 0;

  const refreshMetadata = async () => {
    metadata = await client.metadata({ topics: [topic], forceUpdate: true });
    return metadata;
  };

  const init = async () => {
    const meta = await refreshMetadata();
    const { partitionsCount, partitions } = meta.topics.get(topic)!;
    const { producerId, producerEpoch } = await client.initIdempotentProducer({});
    // connected before the first send, so that the first sends leave in order
    await Promise.all([...new Set(partitions.map((p) => p.leader))].map((leader) => pool.get(meta.brokers.get(leader) as Broker)));
    return {
      identity: { producerId, producerEpoch },
      batches: Array.from({ length: partitionsCount }, () => createRecordBatch()),
      sealedCounts: new Array<number>(partitionsCount).fill(0),
      ackedThrough: new Array<number>(partitionsCount).fill(-1),
    };
  };

  /**
   * Sends `sealed` (partition → batch and its first and last sequence, without the wrap) until
   * every partition is taken; retries only what failed. `ackedThrough` is the sink's, per
   * partition; `earlier` settles when every earlier send has, `earlierOut` when every earlier send
   * is out, and `out` is called once this one is.
   */
  async function deliver(
    sealed: Map<number, Sealed>,
    ackedThrough: number[],
    { earlier, earlierOut, out }: { earlier: Promise<unknown>; earlierOut: Promise<unknown>; out: () => void },
  ): Promise<void> {
    const pending = new Map(sealed);
    let failed = false;
    try {
      await retry(
        async (bail, attempt) => {
          // in order while anything fails, and until each partition's first batch is taken; else
          // behind the sends before it on the wire (see the top of this file)
          if (attempt > 0) retries++;
          await (attempt > 0 || failing > 0 || aheadOfFirstBatch(pending, ackedThrough) ? earlier : earlierOut);
          if (stopped) bail(stopped);
          const meta = metadata ?? (await refreshMetadata());
          const byLeader = new Map<number, Map<number, Buffer>>();
          for (const [partition, { batch }] of pending) {
            const leader = meta.topics.get(topic)!.partitions[partition]!.leader;
            if (!byLeader.has(leader)) byLeader.set(leader, new Map());
            byLeader.get(leader)!.set(partition, batch);
          }
          const failures: Error[] = [];
          const answered = Promise.all(
            [...byLeader].map(async ([leader, batches]) => {
              try {
                // a connected connection is taken at once, so that sends leave in the order they were
                // sealed; one still logging in is waited for (a request sent during SASL is refused)
                const broker = meta.brokers.get(leader) as Broker;
                const established = pool.getEstablishedConnection(broker);
                const connection = established?.isConnected() ? established : await pool.get(broker);
                failures.push(...takeAnswers(await send(connection, topic, batches), pending, ackedThrough));
              } catch (error) {
                // no connection or no answer: the leader may have moved or restarted
                failures.push(new PipelineError((error as Error).message, { cause: error, retriable: true }));
              }
            }),
          );
          // each leader's request is written by now, unless its connection is still logging in
          out();
          await answered;
          if (pending.size === 0) return;
          if (!failed) {
            failed = true;
            failing++;
          }
          const fatal = failures.find((f) => !(f as PipelineError).retriable);
          if (fatal) bail(fatal);
          metadata = undefined;
          throw failures[0] ?? new PipelineError(`no answer for partitions ${[...pending.keys()].join(', ')}`, { retriable: true });
        },
        { retries: Number.MAX_SAFE_INTEGER, initialDelayMs: 250, maxDelayMs: 2_000, maxRetryTimeMs },
      );
    } finally {
      out();
      if (failed) failing--;
    }
  }

  return {
    client: 'direct',
    maxInFlight: MAX_IN_FLIGHT,
    get retries() {
      return retries;
    },
    async send(records) {
      try {
        if (stopped) throw stopped;
        ready ??= init();
        const { identity, batches, sealedCounts, ackedThrough } = await ready;
        const partitions = batches.length;
        const packed = packedRecords(records);
        const { buf, starts, keyEnds, count } = packed;
        for (let i = 0; i < count; i++) {
          const keyEnd = keyEnds[i]!;
          batches[partitionOfKey(partitions, buf, starts[i], keyEnd)]!.appendRange(buf, starts[i]!, keyEnd, valueEnd(packed, i));
        }
        const now = Date.now();
        const sealed = new Map<number, Sealed>();
        for (let p = 0; p < partitions; p++) {
          const batch = batches[p]!;
          if (batch.count === 0) continue;
          const first = sealedCounts[p]!;
          sealedCounts[p]! += batch.count;
          // Kafka's sequence numbers wrap to 0 after 2^31 - 1
          sealed.set(p, { batch: batch.seal(identity, first % 0x80000000, now), first, last: sealedCounts[p]! - 1 });
          batch.reset();
        }
        const earlier = previous;
        const earlierOut = previousOut;
        let out = () => {};
        previousOut = Promise.all([earlierOut, new Promise<void>((resolve) => (out = resolve))]);
        const delivery = deliver(sealed, ackedThrough, { earlier, earlierOut, out });
        previous = Promise.allSettled([earlier, delivery]);
        await delivery.catch((error: unknown) => {
          stopped ??= error as Error;
          throw error;
        });
      } catch (error) {
        throw new ProduceError(`direct: producing ${recordCount(records)} records to ${topic} failed: ${(error as Error).message}`, {
          cause: error,
          retriable: false,
        });
      }
    },
    async close() {
      stopped ??= new PipelineError('the sink is closed');
      await pool.close();
      await client.close();
    },
  };
}
