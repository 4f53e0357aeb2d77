/**
 * The ratings topic as signals for the speed view (speed-view.ts): which user rated, when. Every
 * API process reads every partition (a consumer group of its own, from the end, nothing committed)
 * and looks only at the record key (the user id, as every producer of the topic keys it) and
 * timestamp: no Avro decoding. The API stamps its own ratings with their `ratedAt`, the time a speed
 * row's `ratedUntil` counts in; another producer's records carry their send time, at or after the
 * rating's, so a user it rated is read per request until API_SPEED_VIEW_TTL_MS has passed. The view
 * serves from memory only while the signals flow, from the first fetch after joining until a
 * rebalance, crash or stop.
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
  // an outage is logged once, when it starts, and once more when the signals flow again (kafkajs
  // crashes and restarts the consumer every few seconds while a broker is away)
  let outage = false;
  consumer.on(GROUP_JOIN, () => {
    joined = true;
  });
  // live once fetching after a join: the positions are resolved, nothing produced from now on is missed
  consumer.on(FETCH_START, () => {
    if (!joined) return;
    onLive(true);
    if (outage) log('rating signals flow again; the speed view serves from memory');
    outage = false;
  });
  const down = (why: (payload: unknown) => string) => (event: { payload?: unknown }) => {
    joined = false;
    onLive(false);
    const reason = why(event?.payload);
    if (reason && !outage) log(`rating signals: ${reason}; the speed view reads every request until they flow again`);
    if (reason) outage = true;
  };
  const quietly = down(() => '');
  consumer.on(REBALANCING, quietly);
  consumer.on(
    CRASH,
    down((payload) => {
      const error = (payload as { error?: Error } | undefined)?.error;
      return `the consumer crashed${error?.message ? ` (${error.message})` : ''}`;
    }),
  );
  consumer.on(DISCONNECT, quietly);
  consumer.on(STOP, quietly);
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
