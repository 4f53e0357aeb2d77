/**
 * What the failure drills share (system/drills.ts): the context a drill
 * runs in, its checks, the engines and clients it reaches, and twin users whose speed rows are
 * compared with and without a failure.
 */
import type { StackConfig } from '../infra/config.ts';
import { createStack } from '../infra/stack.ts';
import { createRatingSink } from '../ingest/rating-sink.ts';
import { ratingEventId } from '../ingest/ratings-csv.ts';
import { cassandraClient, kafkaClient } from '../lib/platform.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { createCodec } from '../schemas/avro.ts';
import type { RatingEvent } from '../schemas/types.ts';
import { createCassandraStore } from '../serving/cassandra-store.ts';
import type { RecommendationRow, ServingStore } from '../serving/store.ts';
import { createFlinkClient, type FlinkClient } from '../speed/flink-client.ts';
import { loadJobsConfig, speedJobName } from '../speed/jobs.ts';

export interface DrillCheck {
  what: string;
  ok: boolean;
  detail: string;
}

export interface DrillContext {
  stack: StackConfig;
  /** the environment the system runs with (keyspace, topics, job prefix, model, archive) */
  env: Record<string, string | undefined>;
  /** the running API, e.g. http://127.0.0.1:8080 */
  apiUrl: string;
  log: (line: string) => void;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const fmt = (n: number) => n.toLocaleString('en-US');
export const check = (what: string, ok: boolean, detail: string): DrillCheck => ({ what, ok, detail });

/** A small deterministic generator, so a drill's twin users get the same ratings run after run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export function parts(ctx: DrillContext) {
  const jobs = loadJobsConfig(ctx.env);
  const speedJob = speedJobName(jobs);
  const kafka = kafkaClient(ctx.stack, 'moviereco-drills');
  const hdfs = createWebHdfs({ baseUrl: ctx.stack.hdfs.webUrl, user: ctx.stack.hdfs.user });
  const flink = createFlinkClient({ rest: ctx.stack.flink });
  const engines = createStack({ config: ctx.stack, log: () => {} });
  return { jobs, speedJob, kafka, hdfs, flink, engines };
}

export async function withStore<T>(ctx: DrillContext, fn: (store: ServingStore) => Promise<T>): Promise<T> {
  const store = createCassandraStore({ client: cassandraClient(ctx.stack, ctx.stack.cassandra.keyspace), trendingWindow: '-' });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function runningJob(flink: FlinkClient, name: string): Promise<{ jid: string; state: string } | undefined> {
  const jobs = await flink.listJobs();
  return jobs.filter((j) => j.name === name).sort((a, b) => b['start-time'] - a['start-time'])[0];
}

/** What a failed check needs to say why: the job's state, its tasks' states and its latest exception. */
export async function jobDiagnosis(flink: FlinkClient, name: string): Promise<string> {
  try {
    const job = await runningJob(flink, name);
    if (!job) return `no job named ${name}`;
    const details = await flink.job(job.jid);
    const cause = await flink.rootException(job.jid).catch(() => undefined);
    const tasks = details.vertices.map((v) => `${v.name.slice(0, 40)} ${v.status}`).join('; ');
    return `job ${job.state} (${tasks})${cause ? `; latest exception: ${cause.replace(/\s+/g, ' ').slice(0, 400)}` : '; no exception'}`;
  } catch (e) {
    return `job state unknown: ${(e as Error).message}`;
  }
}

export function exactlyOnce(counts: Map<string, number>, ids: readonly string[]): DrillCheck {
  const missing = ids.filter((id) => !counts.has(id)).length;
  const duplicated = ids.filter((id) => (counts.get(id) ?? 0) > 1).length;
  const archived = ids.reduce((n, id) => n + (counts.get(id) ?? 0), 0);
  return check(
    'the archive holds every produced event exactly once',
    missing === 0 && duplicated === 0 && archived === ids.length,
    `${fmt(ids.length)} produced, ${fmt(archived)} archived, ${missing} missing, ${duplicated} duplicated`,
  );
}

export async function popularMovies(ctx: DrillContext): Promise<number[]> {
  const res = await fetch(`${ctx.apiUrl}/movies?limit=100`);
  const body = (await res.json()) as { movies: { movieId: number }[] };
  return body.movies.map((m) => m.movieId);
}

/**
 * Twin groups of new users: group A rates while the system is healthy, group B the very same movies
 * while something fails; afterwards each B user's speed row must equal its A twin's.
 */
export function twinUsers(movies: readonly number[], { users = 40, perUser = 15, idBase }: { users?: number; perUser?: number; idBase: number }) {
  // dated now, not in the past: a rating older than the current model's data cutoff only updates a
  // user's history and writes no speed row, and a model trained after recent events (the announce
  // drill's) has a cutoff of minutes ago; group B's times stay within the allowed future skew
  const start = Date.now();
  const ratingsOf = (i: number) => {
    const rand = prng(i + 1);
    const picked = new Set<number>();
    while (picked.size < perUser) picked.add(movies[Math.floor(rand() * movies.length)]!);
    return [...picked].map((movieId) => ({ movieId, rating: 1 + Math.floor(rand() * 9) / 2 }));
  };
  const events = (group: number): RatingEvent[] =>
    Array.from({ length: users }, (_, i) =>
      ratingsOf(i).map((r, j) => ({ userId: idBase + group * 500 + i, ...r, ratedAt: start + group * 100_000 + i * 100 + j })),
    )
      .flat()
      .map((e) => ({ ...e, eventId: ratingEventId(e.userId, e.movieId, e.ratedAt), source: 'API' as const, action: 'RATE' as const }));
  return {
    users,
    perUser,
    a: events(0),
    b: events(1),
    usersA: Array.from({ length: users }, (_, i) => idBase + i),
    usersB: Array.from({ length: users }, (_, i) => idBase + 500 + i),
  };
}

/** The B users whose speed rows differ from their A twins' (a swap of two items whose scores tie to 1e-5 is rounding, not a difference). */
export function differingTwins(
  twins: { usersA: number[]; usersB: number[] },
  rowsA: Map<number, RecommendationRow>,
  rowsB: Map<number, RecommendationRow>,
): number[] {
  return twins.usersB.filter((u, i) => {
    const x = rowsB.get(u)!.items;
    const y = rowsA.get(twins.usersA[i]!)!.items;
    return x.length !== y.length || x.some((item, k) => item.movieId !== y[k]!.movieId && Math.abs(item.score - y[k]!.score) > 1e-5);
  });
}

export function ratingSender(ctx: Pick<DrillContext, 'stack'>, topic: string, clientId: string) {
  const codec = createCodec('rating-event');
  const sink = createRatingSink('kafkajs', { kafka: ctx.stack.kafka, topic, clientId });
  return {
    send: (list: RatingEvent[]) => sink.send(list.map((e) => ({ key: Buffer.from(String(e.userId)), value: codec.encode(e) }))),
    close: () => sink.close(),
  };
}
