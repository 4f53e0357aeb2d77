/**
 * What the failure drills share (system/drills.ts): the context a drill
 * runs in, its checks, the engines and clients it reaches, and twin users whose speed rows are
 * compared with and without a failure.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { StackConfig } from '../infra/config.ts';
import { createStack } from '../infra/stack.ts';
import { createRatingSink, type SinkClient } from '../ingest/rating-sink.ts';
import { ratingEventId } from '../ingest/ratings-csv.ts';
import { replayRatings } from '../ingest/replay.ts';
import { apiKeyHeader } from './environment.ts';
import { cassandraClient, kafkaClient } from '../lib/platform.ts';
import { raisePriority } from '../lib/scheduling.ts';
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

export function ratingSender(ctx: Pick<DrillContext, 'stack'>, topic: string, clientId: string, client: SinkClient = 'kafkajs') {
  const codec = createCodec('rating-event');
  const sink = createRatingSink(client, { kafka: ctx.stack.kafka, topic, clientId });
  return {
    send: (list: RatingEvent[]) => sink.send(list.map((e) => ({ key: Buffer.from(String(e.userId)), value: codec.encode(e) }))),
    close: () => sink.close(),
  };
}

/**
 * A replay running in the background: `count` ratings of the dataset's users (one a second of
 * rating time apart, ending a day ago) written to a CSV and replayed at `ratePerSec` through the
 * product's replay; `ids` are their event ids, for the archive's exactly-once check.
 */
export async function startDrillReplay(
  ctx: DrillContext,
  { tag, count, ratePerSec, client = 'kafkajs' }: { tag: string; count: number; ratePerSec: number; client?: SinkClient },
) {
  const jobs = loadJobsConfig(ctx.env);
  const movies = await popularMovies(ctx);
  const rand = prng(7);
  const first = Math.floor(Date.now() / 1000) - 86_400;
  const rows = Array.from({ length: count }, (_, i) => ({
    userId: 1 + Math.floor(rand() * 610),
    movieId: movies[Math.floor(rand() * movies.length)]!,
    rating: 1 + Math.floor(rand() * 9) / 2,
    ratedAt: first + i,
  }));
  const file = path.join(ctx.stack.dirs.tmp, `drill-${tag}-${first}.csv`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `userId,movieId,rating,timestamp\n${rows.map((r) => `${r.userId},${r.movieId},${r.rating},${r.ratedAt}`).join('\n')}\n`);
  const sink = createRatingSink(client, { kafka: ctx.stack.kafka, topic: jobs.topics.ratings, clientId: `moviereco-drill-${tag}` });
  const done = replayRatings({
    file,
    sink,
    codec: createCodec('rating-event'),
    rejectsFile: path.join(ctx.stack.dirs.logs, `drill-${tag}-rejects.jsonl`),
    ratePerSec,
    progress: false,
  }).finally(async () => {
    await sink.close();
    fs.rmSync(file, { force: true });
  });
  return { rows, ids: rows.map((r) => ratingEventId(r.userId, r.movieId, r.ratedAt * 1000)), done };
}

/** One request of an API load: when it was due, how long it took from then, and its status (0: no answer). */
export interface ApiSample {
  dueAt: number;
  ms: number;
  status: number;
}

/**
 * A steady request rate on the API (recommendations of the dataset's users), open-loop: each
 * request is sent when it is due whatever the earlier ones do, and its latency counts from then,
 * so a stall shows as the latency it causes. `stop` ends it and returns every sample.
 */
export function apiLoad(ctx: Pick<DrillContext, 'apiUrl' | 'env'>, ratePerSec: number) {
  const samples: ApiSample[] = [];
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const epoch = Date.now() - started;
  let sent = 0;
  let stopped = false;
  const headers = apiKeyHeader(ctx.env);
  const fire = (dueAt: number) => {
    const user = 1 + (sent % 610);
    const request = fetch(`${ctx.apiUrl}/users/${user}/recommendations`, { headers, signal: AbortSignal.timeout(10_000) })
      .then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      })
      .catch(() => 0)
      .then((status) => {
        samples.push({ dueAt: epoch + dueAt, ms: performance.now() - dueAt, status });
      });
    pending.add(request);
    void request.finally(() => pending.delete(request));
  };
  const timer = setInterval(() => {
    // every request due by now, each at its own scheduled time
    const due = Math.floor(((performance.now() - started) / 1000) * ratePerSec);
    while (!stopped && sent < due) fire(started + (sent++ * 1000) / ratePerSec);
  }, 5);
  return {
    async stop(): Promise<ApiSample[]> {
      stopped = true;
      clearInterval(timer);
      await Promise.all(pending);
      return samples.sort((x, y) => x.dueAt - y.dueAt);
    },
  };
}

/**
 * The requests due in [from, to): how many, how many failed (not a 200) with which statuses (0: no
 * answer within 10 s), and their p50 and p99 latency.
 */
export function apiWindow(samples: readonly ApiSample[], from: number, to: number) {
  const inside = samples.filter((s) => s.dueAt >= from && s.dueAt < to);
  const sorted = inside.map((s) => s.ms).sort((x, y) => x - y);
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!);
  const failures = inside.filter((s) => s.status !== 200);
  const statuses = new Map<number, number>();
  for (const f of failures) statuses.set(f.status, (statuses.get(f.status) ?? 0) + 1);
  return { requests: inside.length, failed: failures.length, statuses, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/**
 * The scheduling priority (nice value) of the API and its load generator in the drills. In any
 * deployment they run on machines of their own; here they share 2 cores with the 16 processes of
 * the cluster, which take every cycle while they recover from a kill (load averages of 14 to 37).
 * At the default priority, up to 31% of the requests after a broker kill got no answer within
 * 10 s, while the same API and load without the replay and the drill's checks answered every
 * request through a broker kill (p99 145 ms): the API and its client waited for a core. Ahead of
 * the engines, the API still waits on them (its Cassandra reads go to the surviving nodes at their
 * priority), but its event loop and the client's do not wait behind them. Raising a priority
 * needs root (CAP_SYS_NICE); without it the processes run at the default and say so.
 *
 * With the kernel's autogroups on (`/proc/sys/kernel/sched_autogroup_enabled`, the default of
 * most distributions), a nice value ranks a process only against the others of its session: each
 * engine is a detached JVM, a session of its own, and every session gets an equal share of the
 * cores, whatever its processes' nice values. So these processes get a session of their own too,
 * and that session's nice value is raised (`/proc/<pid>/autogroup`): before, their nice value
 * ranked them only above the test runner, and the API's share fell with each engine that woke.
 */
const API_NICE = -10;

/**
 * A process of the project's tools (tools/<script>.ts) whose stdout is read line by line; `nice`
 * sets its priority, in a session of its own (see API_NICE).
 */
function toolProcess(ctx: Pick<DrillContext, 'stack'>, script: string, args: string[], env: Record<string, string | undefined>, nice?: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ctx.stack.repoRoot, 'tools', `${script}.ts`), ...args], {
    cwd: ctx.stack.repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: nice !== undefined,
  });
  if (nice !== undefined && child.pid !== undefined) {
    try {
      raisePriority(child.pid, nice);
    } catch (error) {
      process.stderr.write(`${script} runs at the default priority, not ${nice}: ${(error as Error).message}\n`);
    }
  }
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (what: string): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${script} ended before ${what} (exit ${child.exitCode})`);
    return value as string;
  };
  return { child, next };
}

/**
 * The API in a process of its own, beside the drill system's (same keyspace and model), so that
 * neither the drill's own work nor its load generator shares the API's event loop.
 */
export async function startApiProcess(ctx: DrillContext, port: number) {
  const { child, next } = toolProcess(ctx, 'api', [], { ...ctx.env, API_PORT: String(port), API_WORKERS: '1' }, API_NICE);
  let url: string | undefined;
  while (!url) url = /^API and web page on (http:\/\/\S+?)[\s(]/.exec(await next('it listened'))?.[1];
  return {
    url,
    pid: child.pid,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `apiLoad` in a process of its own (tools/drill-api-load.ts); `stop` returns its samples. */
export async function startApiLoadProcess(ctx: DrillContext, apiUrl: string, ratePerSec: number) {
  const { child, next } = toolProcess(ctx, 'drill-api-load', ['--url', apiUrl, '--rate', String(ratePerSec)], ctx.env, API_NICE);
  await next('it was ready');
  return {
    pid: child.pid,
    async stop(): Promise<ApiSample[]> {
      child.kill('SIGTERM');
      return JSON.parse(await next('it reported')) as ApiSample[];
    },
  };
}
