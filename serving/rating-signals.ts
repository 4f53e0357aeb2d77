/**
 * The ratings topic as signals for the speed view (speed-view.ts): which user rated, when. Every
 * API process reads every partition (a consumer group of its own, from the end, nothing committed)
 * and looks only at the record key (the user id, as every producer of the topic keys it) and
 * timestamp: no Avro decoding. The view serves from memory only while the signals flow, from the
 * first fetch after joining until a rebalance, crash or stop.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface RatingSignals {
  stop(): Promise<void>;
}

export async function startRatingSignals({
  kafka,
  topic,
  onRated,
  onLive,
  log,
}: {
  kafka: Pick<Kafka, 'consumer'>;
  topic: string;
  onRated: (userId: number, at: number) => void;
  onLive: (live: boolean) => void;
  log: (line: string) => void;
}): Promise<RatingSignals> {
  const consumer = kafka.consumer({ groupId: `moviereco-api-signals-${randomUUID()}`, maxWaitTimeInMs: 100 });
  const { GROUP_JOIN, FETCH_START, REBALANCING, CRASH, DISCONNECT, STOP } = consumer.events;
  let joined = false;
  consumer.on(GROUP_JOIN, () => {
    joined = true;
  });
  // live once fetching after a join: the positions are resolved, nothing produced from now on is missed
  consumer.on(FETCH_START, () => {
    if (joined) onLive(true);
  });
  const down = (why: string) => () => {
    joined = false;
    onLive(false);
    if (why) log(`rating signals: ${why}; the speed view reads every request until they flow again`);
  };
  consumer.on(REBALANCING, down(''));
  consumer.on(CRASH, down('the consumer crashed'));
  consumer.on(DISCONNECT, down(''));
  consumer.on(STOP, down(''));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const userId = Number(m.key?.toString());
        if (Number.isSafeInteger(userId)) onRated(userId, Number(m.timestamp));
      }
    },
  });
  return {
    async stop() {
      onLive(false);
      await consumer.disconnect();
    },
  };
}
