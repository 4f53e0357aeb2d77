/**
 * Rating POSTs across a broker restart, on the real stack: an API in-process on a topic and a
 * keyspace of its own, 300 ratings posted concurrently in waves with Idempotency-Keys (a tenth of
 * them posted twice at once), the Kafka broker restarted mid-way, every POST that gets a 5xx (or no
 * answer) retried with the same key until it is accepted. Then the topic holds every accepted
 * rating exactly once, and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStack } from '../infra/stack.ts';
import { loadConfig } from '../infra/config.ts';
import { cassandraClient } from '../lib/platform.ts';
import { applyCassandraSchema } from '../schemas/cassandra.ts';
import { createCodec } from '../schemas/avro.ts';
import { keyspaceCql } from '../schemas/cql.ts';
import { loadApiConfig } from '../serving/config.ts';
import { startApi, type RunningApi } from '../system/api-server.ts';
import { harnessCredentials } from '../system/environment.ts';
import { signUserToken } from '../serving/test-auth.ts';
import { config, consumeAll, createTopic, deleteTopic, silentLog, uniqueName } from './helpers.ts';

const id = uniqueName('it_writes');
const env: Record<string, string> = {
  CASSANDRA_KEYSPACE: id,
  JOBS_TOPIC_RATINGS: `${id}_ratings`,
  BATCH_MODEL_NAME: id.replaceAll('_', '-'),
  API_PORT: '0',
  // retries after a failed send take tokens too: the limit is not what is tested here
  API_RATE_LIMIT_PER_MIN: '10000',
  ...harnessCredentials(),
};
const stack = loadConfig({ ...process.env, ...env });
const codec = createCodec('rating-event');
const USERS = 30;
const MOVIES = 20;
const RATINGS = 300;
const WAVES = 6;
const WAVE_GAP_MS = 1500;
/** a POST is retried (same key) until this long after the first wave */
const RETRY_BUDGET_MS = 45_000;
let api: RunningApi;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  await createTopic(env.JOBS_TOPIC_RATINGS!, 4);
  const cql = cassandraClient(stack);
  try {
    await applyCassandraSchema(cql, id, stack.cassandra.replication);
    for (let m = 1; m <= MOVIES; m++) await cql.execute(keyspaceCql(id).insertMovie, [m, `Movie ${m}`, 2000, ['Drama'], null, null], { prepare: true });
  } finally {
    await cql.shutdown();
  }
  api = await startApi({ stack, api: loadApiConfig(env), env, log: silentLog });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await deleteTopic(env.JOBS_TOPIC_RATINGS!).catch(() => undefined);
  const cql = cassandraClient(stack);
  await cql.execute(`DROP KEYSPACE IF EXISTS ${id}`).catch(() => undefined);
  await cql.shutdown();
});

interface Outcome {
  key: string;
  userId: number;
  movieId: number;
  rating: number;
  status: number;
  eventId?: string;
  attempts: number;
}

describe('API writes', () => {
  it('concurrent POSTs with Idempotency-Keys across a Kafka restart: every accepted rating exactly once in the topic', async () => {
    const tokens = new Map<number, string>();
    // each user's token, as the host application signs it
    for (let u = 1; u <= USERS; u++) tokens.set(u, signUserToken(u, {}, env.API_JWT_SECRET));
    const started = Date.now();

    /** one POST, retried with the same key on 5xx or no answer until 202 or the budget is spent */
    async function rate(n: number): Promise<Outcome> {
      const userId = (n % USERS) + 1;
      const movieId = (Math.floor(n / USERS) % MOVIES) + 1;
      const rating = ((n % 10) + 1) / 2;
      const key = `it-${n}`;
      let status = 0;
      let attempts = 0;
      for (;;) {
        attempts++;
        try {
          const res = await fetch(`${api.url}/users/${userId}/ratings`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(userId)}`, 'idempotency-key': key },
            body: JSON.stringify({ movieId, rating }),
            signal: AbortSignal.timeout(10_000),
          });
          status = res.status;
          const body = (await res.json()) as { eventId?: string };
          if (status === 202) return { key, userId, movieId, rating, status, eventId: body.eventId, attempts };
          if (status < 500) return { key, userId, movieId, rating, status, attempts };
        } catch {
          status = 0; // no answer: as ambiguous as a 503
        }
        if (Date.now() - started > RETRY_BUDGET_MS) return { key, userId, movieId, rating, status, attempts };
        await sleep(500);
      }
    }

    const engines = createStack({ config, log: silentLog });
    const before = (await engines.status()).find((r) => r.process === 'kafka')!.pid;
    const posts: Promise<Outcome>[] = [];
    const perWave = RATINGS / WAVES;
    let restart: Promise<void> | undefined;
    for (let w = 0; w < WAVES; w++) {
      for (let i = 0; i < perWave; i++) {
        const n = w * perWave + i;
        posts.push(rate(n));
        // a tenth posted twice at once, as a client that retries too eagerly does
        if (n % 10 === 0) posts.push(rate(n));
      }
      // the broker goes down after the second wave and comes back while the later ones are posted
      if (w === 1) restart = engines.restart(['kafka']);
      await sleep(WAVE_GAP_MS);
    }
    const outcomes = await Promise.all(posts);
    await restart;
    const after = (await engines.status()).find((r) => r.process === 'kafka')!.pid;
    expect(after).not.toBe(before);

    const retried = outcomes.filter((o) => o.attempts > 1).length;
    console.log(
      `api-writes: ${outcomes.length} POSTs (${RATINGS} keys), ${retried} retried, max attempts ${Math.max(...outcomes.map((o) => o.attempts))}, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const failed = outcomes.filter((o) => o.status !== 202);
    expect(failed.map((o) => `${o.key}: ${o.status}`)).toEqual([]);
    // duplicates of one key got the same answer
    const byKey = new Map<string, Outcome>();
    for (const o of outcomes) {
      const seen = byKey.get(o.key);
      if (seen) expect(o.eventId).toBe(seen.eventId);
      byKey.set(o.key, o);
    }
    expect(byKey.size).toBe(RATINGS);

    const records = await consumeAll(env.JOBS_TOPIC_RATINGS!, 30_000);
    const events = records.map((r) => ({ key: r.key?.toString(), event: codec.decode(r.value) }));
    const inTopic = events.map((e) => e.event.eventId).sort();
    const accepted = [...byKey.values()].map((o) => o.eventId!).sort();
    // exactly once: no accepted rating missing, none twice, nothing else
    expect(inTopic.filter((e, i) => inTopic[i - 1] === e)).toEqual([]);
    expect(inTopic).toEqual(accepted);
    for (const { key, event } of events) {
      const o = byKey.get(event.eventId.replace(/^api:\d+:/, ''))!;
      expect({ key, userId: event.userId, movieId: event.movieId, rating: event.rating, source: event.source }).toEqual({
        key: String(o.userId),
        userId: o.userId,
        movieId: o.movieId,
        rating: o.rating,
        source: 'API',
      });
    }
  }, 120_000);
});
