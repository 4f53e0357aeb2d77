/**
 * Speed-layer freshness benchmark: how long from a rating produced to Kafka until that user's
 * speed row is readable in Cassandra (p50, p95, p99), under steady background load at several
 * rates, and the highest rate the speed job sustains without a growing backlog. The baseline, in
 * the same run: the Kafka round trip alone (produce → a consumer sees it), the floor under any
 * streaming job here. Runs in its own keyspace, topics and job (prefix bench-). Prints a table
 * and writes bench-results/.
 *
 *   npm run bench:freshness [-- --rates 500,1000,2000 --seconds 30 --ladder 1000,2000,4000,8000]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findDataset } from '../../ingest/datasets/dataset.ts';
import { loadConfig } from '../../infra/config.ts';
import { loadBatchConfig } from '../../batch/config.ts';
import { createBatchRunner } from '../../batch/runner.ts';
import { createControlPlane } from '../../speed/control-plane.ts';
import { createFlinkClient } from '../../speed/flink-client.ts';
import { loadJobsConfig } from '../../speed/jobs.ts';
import { createRatingSink } from '../../ingest/rating-sink.ts';
import { createWebHdfs } from '../../lib/webhdfs.ts';
import { createCodec } from '../../schemas/avro.ts';
import type { RatingEvent } from '../../schemas/types.ts';
import { cassandraClient, kafkaClient } from '../../lib/platform.ts';
import { platformOf } from '../../infra/platform.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '500,1000,2000' },
    seconds: { type: 'string', default: '30' },
    ladder: { type: 'string', default: '1000,2000,3000,4000,6000,8000' },
  },
});
const rates = values.rates.split(',').map(Number);
const ladder = values.ladder.split(',').map(Number);
const seconds = Number(values.seconds);

const env = {
  ...process.env,
  CASSANDRA_KEYSPACE: 'bench_speed',
  JOBS_NAME_PREFIX: 'bench-',
  JOBS_TOPIC_RATINGS: 'bench_ratings',
  JOBS_TOPIC_DLQ: 'bench_ratings_dlq',
  BATCH_MODEL_NAME: 'als-bench-speed',
  BATCH_DATASET: 'ml-latest-small',
  ARCHIVE_PATH: '/bench/events',
  JOBS_STARTING_OFFSETS: 'latest',
};
const stack = loadConfig(env);
const cql = cassandraClient(stack, stack.cassandra.keyspace);
const flink = createFlinkClient({ rest: stack.flink });
const codec = createCodec('rating-event');
const log = (line: string) => console.log(line);

// ---- a model (trained once, reused by later runs) and the speed job
const dataset = await findDataset('ml-latest-small');
const hdfs = createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user });
if (!(await hdfs.exists('/movielens/ml-latest-small/ratings.csv')))
  await hdfs.uploadFile(path.join(dataset.dir, 'ratings.csv'), '/movielens/ml-latest-small/ratings.csv');
const current = await cql
  .execute('SELECT version FROM current_model WHERE model_name = ?', ['als-bench-speed'], { prepare: true })
  .then((r) => r.first()?.get('version') as string | undefined)
  .catch(() => undefined);
if (!current) await createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(env) }).run();
const admin = kafkaClient(stack, 'bench-admin').admin();
await admin.connect();
await admin.createTopics({
  topics: [
    { topic: 'bench_ratings', numPartitions: 4 },
    { topic: 'bench_ratings_dlq', numPartitions: 1 },
  ],
  waitForLeaders: true,
});
await admin.disconnect();
const plane = createControlPlane({ platform: platformOf(stack), jobs: loadJobsConfig(env), log });
// every run starts from the model's history: no state from the last run, and the dataset users'
// ratings in Cassandra put back to the dataset's (earlier runs added to them)
const datasetRatings = fs
  .readFileSync(path.join(dataset.dir, 'ratings.csv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((l) => l.split(','));
for (let user = 1; user <= 610; user++) await cql.execute('DELETE FROM user_ratings WHERE user_id = ?', [user], { prepare: true });
for (let i = 0; i < datasetRatings.length; i += 200) {
  await Promise.all(
    datasetRatings
      .slice(i, i + 200)
      .map(([u, m, r, t]) =>
        cql.execute(
          'INSERT INTO user_ratings (user_id, movie_id, rating, rated_at) VALUES (?, ?, ?, ?)',
          [Number(u), Number(m), Number(r), new Date(Number(t) * 1000)],
          { prepare: true },
        ),
      ),
  );
}
log(`user_ratings of users 1..610 reset to the dataset's ${datasetRatings.length.toLocaleString('en-US')} ratings`);
await plane.cancel('bench-speed-recommender').catch(() => undefined);
const [deployed] = await plane.deploy({ only: ['bench-speed-recommender'], fresh: true });
const jid = deployed!.jid!;

const movies = fs
  .readFileSync(path.join(dataset.dir, 'movies.csv'), 'utf8')
  .split('\n')
  .slice(1)
  .map((l) => Number(l.split(',')[0]))
  .filter((n) => n > 0);
const PROBE_USERS = Array.from({ length: 110 }, (_, i) => 501 + i);
const random = (n: number) => Math.floor(Math.random() * n);
const halfStep = () => (1 + random(10)) / 2;
function event(userId: number, ratedAt = Date.now()): RatingEvent {
  const movieId = movies[random(movies.length)]!;
  return { eventId: `${userId}:${movieId}:${ratedAt}`, userId, movieId, rating: halfStep(), ratedAt, source: 'GENERATOR', action: 'RATE' };
}
const record = (e: RatingEvent) => ({ key: Buffer.from(String(e.userId)), value: codec.encode(e) });

const background = createRatingSink('kafkajs', { kafka: stack.kafka, topic: 'bench_ratings', clientId: 'bench-background' });
const probes = createRatingSink('kafkajs', { kafka: stack.kafka, topic: 'bench_ratings', clientId: 'bench-probes' });

// the baseline: a plain consumer of the same topic sees each probe event; send → receive is the transport floor
const consumer = kafkaClient(stack, 'bench-consumer').consumer({ groupId: `bench-floor-${Date.now()}`, maxWaitTimeInMs: 5 });
await consumer.connect();
await consumer.subscribe({ topic: 'bench_ratings', fromBeginning: false });
const probeSent = new Map<string, number>();
const floor: number[] = [];
await consumer.run({
  eachMessage: async ({ message }) => {
    const sent = probeSent.get(message.value!.toString('latin1'));
    if (sent !== undefined) floor.push(performance.now() - sent);
  },
});
await new Promise((r) => setTimeout(r, 3000));

/**
 * Ratings the fold-in operator has taken in so far: its numRecordsIn from the metrics endpoint
 * (at most a second old; the job details' read-records ride on 10 s heartbeats).
 */
async function processed(): Promise<number> {
  const details = await flink.job(jid);
  const vertex = details.vertices.find((v) => v.name.startsWith('fold-in'))!;
  return (await flink.vertexMetric(jid, vertex.id, 'numRecordsIn')) ?? 0;
}

interface Step {
  rate: number;
  achieved: number;
  probes: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  floorP50: number;
  floorP99: number;
  /** ratings sent but not yet taken in by the fold-in operator, at half time and at the end */
  lagMid: number;
  lagEnd: number;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function runStep(rate: number, durationS: number): Promise<Step> {
  const latencies: number[] = [];
  floor.length = 0;
  let sent = 0;
  let stop = false;
  const processedAtStart = await processed();
  const lag = async () => sent - ((await processed()) - processedAtStart);
  const started = performance.now();
  // background: a batch every 20 ms, ratedAt now (every event recomputes a user); half for the
  // dataset's users 1..500, half for a pool of 20,000 users new to the system (first seen: an empty history read)
  const load = (async () => {
    let next = performance.now();
    while (!stop) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
      if (due > 0) {
        const batch = Array.from({ length: due }, () => record(event(random(2) === 0 ? 1 + random(500) : 1_000_001 + random(20_000))));
        sent += due;
        await background.send(batch);
      }
      next += 20;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();
  // probes: 5 per second, at most 5 outstanding (so the polling stays a light load on Cassandra);
  // the outstanding probe users' rows are read together every 20 ms
  const outstanding = new Map<number, { sentAt: number; wall: number }>();
  let probeIndex = 0;
  const prober = setInterval(() => {
    const user = PROBE_USERS[probeIndex++ % PROBE_USERS.length]!;
    if (outstanding.has(user) || outstanding.size >= 5) return;
    const e = event(user);
    const r = record(e);
    const t = performance.now();
    outstanding.set(user, { sentAt: t, wall: Date.now() });
    probeSent.set(r.value.toString('latin1'), t);
    void probes.send([r]);
  }, 200);
  const poller = (async () => {
    while (!stop) {
      if (outstanding.size > 0) {
        const users = [...outstanding.keys()];
        const rows = await cql.execute('SELECT user_id, computed_at FROM speed_recommendations WHERE user_id IN ?', [users], { prepare: true });
        const now = performance.now();
        for (const row of rows) {
          const user = row.get('user_id').toNumber();
          const probe = outstanding.get(user);
          if (probe && row.get('computed_at').getTime() >= probe.wall) {
            if (now - started > 5000) latencies.push(now - probe.sentAt); // the first 5 s warm up
            outstanding.delete(user);
          }
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await new Promise((r) => setTimeout(r, (durationS * 1000) / 2));
  const lagMid = await lag();
  await new Promise((r) => setTimeout(r, (durationS * 1000) / 2));
  const lagEnd = await lag();
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  clearInterval(prober);
  await Promise.all([load, poller]);
  probeSent.clear();
  // let the job drain before the next step
  for (let i = 0; i < 120 && (await lag()) > 0; i++) await new Promise((r) => setTimeout(r, 1000));
  const step: Step = {
    rate,
    achieved: Math.round(sent / elapsed),
    probes: latencies.length,
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    p99: pct(latencies, 99),
    max: Math.max(...latencies),
    floorP50: pct(floor, 50),
    floorP99: pct(floor, 99),
    lagMid,
    lagEnd,
  };
  log(
    `  ${rate} ev/s: sent ${step.achieved}/s, ${step.probes} probes, p50 ${step.p50.toFixed(0)} ms, p99 ${step.p99.toFixed(0)} ms, lag ${lagMid} → ${lagEnd}`,
  );
  return step;
}

log('warm-up: 30 s at 500 events/s, not counted (JIT, first sight of the dataset users, Kafka and Cassandra connections)');
await runStep(500, 30);
log(`freshness at ${rates.join(', ')} events/s, ${seconds} s each`);
const steady: Step[] = [];
for (const rate of rates) steady.push(await runStep(rate, seconds));
log(`ladder: ${ladder.join(', ')} events/s, 20 s each, until the lag grows`);
const climb: Step[] = [];
let sustained = 0;
for (const rate of ladder) {
  const step = await runStep(rate, 20);
  climb.push(step);
  // sustained: the lag stays under one second of input and does not grow over the step
  const ok = step.achieved >= rate * 0.95 && step.lagEnd < rate && step.lagEnd <= Math.max(step.lagMid * 1.2, rate / 4);
  if (!ok) break;
  sustained = rate;
}

await consumer.disconnect();
await Promise.all([background.close(), probes.close()]);
await plane.cancel('bench-speed-recommender');
await cql.shutdown();

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '-');
const tableRows = (steps: Step[]) =>
  steps.map(
    (s) =>
      `| ${s.rate.toLocaleString('en-US')} | ${s.achieved.toLocaleString('en-US')} | ${s.probes} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${fmt(s.floorP50)} / ${fmt(s.floorP99)} | ${(s.p99 / s.floorP99).toFixed(1)}× | ${s.lagMid} → ${s.lagEnd} |`,
  );
const head = [
  '| target ev/s | sent ev/s | probes | p50 ms | p95 ms | p99 ms | max ms | Kafka round trip p50 / p99 ms | p99 / Kafka p99 | lag mid → end (ratings) |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
];
const header = `Speed-layer freshness ${new Date().toISOString()}: rating produced → speed row readable in Cassandra, 5 probes/s to 110 other users, whose rows are polled every 20 ms; background ratings (half for 500 dataset users, half for a pool of 20,000 new users; each one recomputes a user: fold-in over the whole history, top-100 of ${movies.length.toLocaleString('en-US')} movies); parallelism 1, coalesce ${loadJobsConfig(env).speed.coalesceMs} ms, on ${stack.flink.taskSlots}-slot TaskManager, 2 cores shared with Kafka, Cassandra and the load generator.`;
const summary = `${header}\n\nSteady load (${seconds} s per rate, first 5 s not counted):\n\n${[...head, ...tableRows(steady)].join('\n')}\n\nLadder (20 s per rate, stops at the first rate whose lag grows past a second of input):\n\n${[...head, ...tableRows(climb)].join('\n')}\n\nHighest sustained rate: ${sustained ? `${sustained.toLocaleString('en-US')} events/s` : `below ${ladder[0]} events/s`}.\n`;
console.log(`\n${summary}`);
const outDir = path.join(stack.repoRoot, 'bench-results');
fs.mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '');
fs.writeFileSync(path.join(outDir, `freshness-${stamp}.md`), summary);
fs.writeFileSync(path.join(outDir, `freshness-${stamp}.json`), JSON.stringify({ header, steady, climb, sustained }, null, 2));
process.exit(0);
