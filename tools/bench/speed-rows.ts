/**
 * Speed rows for the API benchmark, written by the speed layer itself: the bench's speed job is
 * deployed on a table of speed rows emptied first, one rating (dated now, after the model's cutoff)
 * is produced to Kafka for each of the busiest users the load generator will ask for (its own Zipf
 * picker, same seed), and the bench waits until the job has processed them all. And a steady
 * trickle of ratings during the run, so the speed layer works and the API's held speed rows are
 * invalidated as in production.
 */
import type { StackConfig } from '../../infra/config.ts';
import { platformOf } from '../../infra/platform.ts';
import { createRatingSink } from '../../ingest/rating-sink.ts';
import { consumerLag, ensureTopics } from '../../lib/kafka-admin.ts';
import { cassandraClient, kafkaClient } from '../../lib/platform.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { createControlPlane } from '../../speed/control-plane.ts';
import { createFlinkClient } from '../../speed/flink-client.ts';
import { loadJobsConfig, speedJobName } from '../../speed/jobs.ts';
import { ACTIVE_STATES } from '../../speed/plan.ts';
import { createRandomRatings } from './random-rating.ts';
import { createUserPicker } from './zipf.ts';

export function createBenchRatings({ stack, env, users, seed }: { stack: StackConfig; env: Record<string, string | undefined>; users: number; seed: number }) {
  const jobs = loadJobsConfig(env);
  const kafka = kafkaClient(stack, 'moviereco-bench-api');
  const sink = createRatingSink('kafkajs', { kafka: stack.kafka, topic: jobs.topics.ratings, clientId: 'moviereco-bench-api' });
  // ratings of movies from the catalogue, once seed() has read it
  let rating = createRandomRatings({ movies: [], seed: seed + 1000, source: 'API' });
  let sent = 0;

  const send = (userIds: readonly number[]) => {
    const now = Date.now();
    return sink.send(
      userIds.map((userId, i) => {
        sent++;
        return rating(userId, now + i);
      }),
    );
  };

  return {
    /** Deploys the speed job and has it write rows for the `count` busiest users; returns how many rows it wrote. */
    async seed(count: number, log: (line: string) => void): Promise<{ users: number; rows: number; seconds: number }> {
      const started = performance.now();
      await ensureTopics(kafka, [
        { topic: jobs.topics.ratings, partitions: 4 },
        { topic: jobs.topics.dlq, partitions: 1 },
      ]);
      const cql = cassandraClient(stack, stack.cassandra.keyspace);
      try {
        // only this run's speed rows: the keyspace is shared with bench:freshness, whose runs leave
        // rows for most users they rate (138,000 of 200,948 at 32M after a night of them), and a
        // share that grows run by run would make runs incomparable
        await cql.execute('TRUNCATE speed_recommendations', [], { readTimeout: 120_000 });
        await createControlPlane({ platform: platformOf(stack), jobs, log }).deploy({ only: ['speed-recommender'] });
        const movies = (await cql.execute('SELECT movie_id FROM movies LIMIT 5000', [], { prepare: true })).rows.map((r) => Number(r.get('movie_id')));
        rating = createRandomRatings({ movies, seed: seed + 1000, source: 'API' });
        const pick = createUserPicker({ users, unknownShare: 0, seed });
        const chosen = new Set<number>();
        for (let draws = 0; chosen.size < count && draws < count * 50; draws++) chosen.add(pick());
        const list = [...chosen];
        for (let i = 0; i < list.length; i += 2000) await send(list.slice(i, i + 2000));
        await waitFor(async () => ((await consumerLag(kafka, speedJobName(jobs), jobs.topics.ratings)) === 0 ? true : undefined), {
          delayMs: 1000,
          maxWaitMs: 900_000,
          description: `the speed job processed ${list.length} ratings`,
        });
        const rows = Number((await cql.execute('SELECT count(*) AS n FROM speed_recommendations', [], { readTimeout: 60_000 })).first()?.get('n') ?? 0);
        return { users: list.length, rows, seconds: (performance.now() - started) / 1000 };
      } finally {
        await cql.shutdown();
      }
    },
    /** Produces `perSecond` ratings of Zipf-drawn users until stopped (each 100 ms a tenth). */
    trickle(perSecond: number): { stop(): Promise<number> } {
      const pick = createUserPicker({ users, unknownShare: 0, seed: seed + 7 });
      const perTick = perSecond / 10;
      let carry = 0;
      let inFlight = Promise.resolve();
      const before = sent;
      const timer = setInterval(() => {
        carry += perTick;
        const n = Math.floor(carry);
        carry -= n;
        if (n > 0) inFlight = inFlight.then(() => send(Array.from({ length: n }, () => pick()))).catch(() => undefined);
      }, 100);
      return {
        async stop() {
          clearInterval(timer);
          await inFlight;
          return sent - before;
        },
      };
    },
    /** Closes the producer and cancels the bench's speed job (its checkpoints stay for the next run): it holds TaskManager memory other jobs need. */
    async close() {
      await sink.close();
      const flink = createFlinkClient({ rest: stack.flink });
      const active = async () => (await flink.listJobs()).filter((j) => j.name === speedJobName(jobs) && ACTIVE_STATES.includes(j.state));
      for (const j of await active()) await flink.cancel(j.jid);
      // until it is gone: a bench run right after this one would otherwise find it still cancelling,
      // take it for running, and wait for a job that never processes its ratings
      await waitFor(async () => (await active()).length === 0, { delayMs: 500, maxWaitMs: 60_000, description: 'the bench speed job cancelled' });
    },
  };
}
