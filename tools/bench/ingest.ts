/**
 * Ingest benchmark: replay throughput (events/s, acks=all) of ml-latest-small and of a generated
 * ml-32m-sized file, for each Node client behind the RatingSink interface, beside two Java
 * baselines in the same run against the running stack: the same replay done with kafka-clients
 * (flink-jobs' JavaReplay: same parsing, rating rule, Avro encoding, keys, acks=all and
 * idempotence), which is what the ratios compare with, and Kafka's own ProducerPerformance (no
 * keys, ready-made payloads of the same size), the client's ceiling. Every replay's topic is
 * checked to hold exactly the rows produced. Prints a table and writes bench-results/.
 *
 *   npm run bench:ingest [-- --other-limit 5000000 --java-records 5000000 --skip-32m]
 *
 * The data: the generated 32M set in data/generated/generated-32m-s42 (made first if missing).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { generateDataset, ML_32M } from '../../ingest/datasets/generator.ts';
import { DATA_DIR, SHARED_DATASETS } from '../../ingest/datasets/dataset.ts';
import { loadConfig } from '../../infra/config.ts';
import { findJava } from '../../infra/process.ts';
import { createRatingSink, type SinkClient } from '../../ingest/rating-sink.ts';
import { javaProperties, kafkaClientProperties } from '../../schemas/client-security.ts';
import { replayRatings } from '../../ingest/replay.ts';
import { createCodec } from '../../schemas/avro.ts';
import { kafkaClient } from '../../lib/platform.ts';
import { createTopicsWithLeaders } from '../../lib/kafka-admin.ts';
import { ensureJobJar } from '../../infra/job-jars.ts';
import { writePrivateFile } from '../../infra/engines/engine.ts';

const config = loadConfig();
const codec = createCodec('rating-event');
const { values } = parseArgs({ options: { 'other-limit': { type: 'string' }, 'java-records': { type: 'string' }, 'skip-32m': { type: 'boolean' } } });
const OTHER_LIMIT = Number(values['other-limit'] ?? 5_000_000);
const JAVA_RECORDS = Number(values['java-records'] ?? 5_000_000);
/** the replay's default client runs over all 32M; the others over the first --other-limit events */
const PRIMARY: SinkClient = 'direct';
const OTHERS: SinkClient[] = ['platformatic', 'kafkajs'];

interface Row {
  run: string;
  /** the dataset of the run, to compare with the Java replay of the same file */
  dataset: string;
  client: string;
  events: number;
  seconds: number;
  eventsPerSec: number;
  valueBytes: number;
  peakRssMb: number;
}

async function withTopic<T>(fn: (topic: string) => Promise<T>): Promise<T> {
  const topic = `bench-ingest-${Date.now().toString(36)}`;
  const admin = kafkaClient(config, 'bench').admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: config.kafka.topics[0]!.numPartitions }]);
  try {
    return await fn(topic);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

async function topicHolds(topic: string): Promise<number> {
  const admin = kafkaClient(config, 'bench').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

async function replayRun(dataset: string, run: string, file: string, client: SinkClient, limit?: number): Promise<Row> {
  return withTopic(async (topic) => {
    const sink = createRatingSink(client, { kafka: config.kafka, topic });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
    try {
      const s = await replayRatings({
        file,
        sink,
        codec,
        rejectsFile: path.join(config.stackDir, 'rejects', `bench-${run}.jsonl`),
        limit,
        expectedEvents: limit,
      });
      const inTopic = await topicHolds(topic);
      if (inTopic !== s.produced) throw new Error(`${run}: produced ${s.produced} but the topic holds ${inTopic}`);
      return {
        dataset,
        run,
        client,
        events: s.produced,
        seconds: s.durationMs / 1000,
        eventsPerSec: s.eventsPerSec,
        valueBytes: 0,
        peakRssMb: Math.round(peak / 2 ** 20),
      };
    } finally {
      clearInterval(sampler);
      await sink.close();
    }
  });
}

/** Average encoded RatingEvent size of a file's first lines: what ProducerPerformance should send. */
function averageValueBytes(file: string): number {
  const lines = fs
    .readFileSync(file, 'utf8')
    .slice(0, 4 << 20)
    .split('\n')
    .slice(1, -1);
  let total = 0;
  for (const line of lines) {
    const [u, m, r, t] = line.split(',');
    total += codec.encode({
      eventId: `${u}:${m}:${Number(t) * 1000}`,
      userId: Number(u),
      movieId: Number(m),
      rating: Number(r),
      ratedAt: Number(t) * 1000,
      source: 'REPLAY',
      action: 'RATE',
    }).length;
  }
  return Math.round(total / lines.length);
}

/** The same replay with kafka-clients (flink-jobs' JavaReplay), in its own JVM. */
async function javaReplay(dataset: string, run: string, file: string, limit?: number): Promise<Row> {
  const java = await findJava(config.javaHome);
  const jar = await ensureJobJar('flink-jobs', path.join(config.dirs.logs, 'build.log'), (l) => console.log(l));
  return withTopic(async (topic) => {
    const args = [
      '-Xmx1g',
      '-cp',
      jar,
      'moviereco.flink.tools.JavaReplay',
      '--bootstrap.servers',
      config.kafka.brokers.join(','),
      '--topic',
      topic,
      '--file',
      file,
      ...(config.flink.clientSecurityFile ? ['--client.security.file', config.flink.clientSecurityFile] : []),
    ];
    if (limit !== undefined) args.push('--limit', String(limit));
    const { stdout } = await promisify(execFile)(java.bin, args, { maxBuffer: 16 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { produced: number; rejected: number; seconds: number };
    const inTopic = await topicHolds(topic);
    if (inTopic !== result.produced) throw new Error(`${run}: produced ${result.produced} but the topic holds ${inTopic}`);
    return {
      dataset,
      run,
      client: 'kafka-clients (Java)',
      events: result.produced,
      seconds: result.seconds,
      eventsPerSec: result.produced / result.seconds,
      valueBytes: 0,
      peakRssMb: 0,
    };
  });
}

/** The Kafka client security as a producer config file for ProducerPerformance (mode 0600: it holds the password). */
function producerSecurityFile(): string {
  const file = path.join(config.dirs.tmp, 'bench-producer-security.properties');
  return writePrivateFile(file, javaProperties(kafkaClientProperties(config.kafka.security)));
}

async function javaProducerPerf(recordSize: number): Promise<Row> {
  const java = await findJava(config.javaHome);
  return withTopic(async (topic) => {
    const { stdout } = await promisify(execFile)(
      java.bin,
      [
        '-Xmx512m',
        '-cp',
        path.join(config.dirs.lib, 'kafka', '*'),
        `-Dlog4j2.configurationFile=file:${path.join(config.dirs.conf, 'kafka', 'log4j2.properties')}`,
        '-Dlog4j2.level=WARN',
        'org.apache.kafka.tools.ProducerPerformance',
        '--topic',
        topic,
        '--num-records',
        String(JAVA_RECORDS),
        '--record-size',
        String(recordSize),
        '--throughput',
        '-1',
        '--producer.config',
        producerSecurityFile(),
        '--producer-props',
        `bootstrap.servers=${config.kafka.brokers.join(',')}`,
        'acks=all',
        'enable.idempotence=true',
        'linger.ms=5',
        'batch.size=262144',
      ],
      { maxBuffer: 16 << 20 },
    );
    const last = stdout.trim().split('\n').at(-1)!;
    const match = /(\d+) records sent, ([\d.]+) records\/sec/.exec(last);
    if (!match) throw new Error(`unexpected ProducerPerformance output: ${last}`);
    const events = Number(match[1]);
    const rate = Number(match[2]);
    return {
      dataset: 'ProducerPerformance',
      run: 'ProducerPerformance (Java; no keys, ready-made payloads)',
      client: 'kafka-clients (Java)',
      events,
      seconds: events / rate,
      eventsPerSec: rate,
      valueBytes: recordSize,
      peakRssMb: 0,
    };
  });
}

const small = path.join(SHARED_DATASETS, 'ml-latest-small', 'ratings.csv');
const bigDir = path.join(DATA_DIR, 'generated', 'generated-32m-s42');
const big = path.join(bigDir, 'ratings.csv');
if (!values['skip-32m'] && !fs.existsSync(big)) await generateDataset({ outDir: bigDir, ...ML_32M, seed: 42 });
const recordSize = averageValueBytes(small);

const rows: Row[] = [];
for (const client of [PRIMARY, ...OTHERS]) rows.push(await replayRun('small', 'ml-latest-small', small, client));
rows.push(await javaReplay('small', 'ml-latest-small', small));
if (!values['skip-32m']) {
  rows.push(await replayRun('32m', 'generated 32M (all)', big, PRIMARY));
  rows.push(await javaReplay('32m', 'generated 32M (all)', big));
  const part = `generated 32M (first ${OTHER_LIMIT.toLocaleString('en-US')})`;
  for (const client of [PRIMARY, ...OTHERS]) rows.push(await replayRun(`32m-${OTHER_LIMIT}`, part, big, client, OTHER_LIMIT));
  rows.push(await javaReplay(`32m-${OTHER_LIMIT}`, part, big, OTHER_LIMIT));
}
const javaRow = await javaProducerPerf(recordSize);
rows.push(javaRow);
for (const r of rows) r.valueBytes ||= recordSize;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
// each replay against the Java replay of the same file and rows
const baseline = (r: Row) => rows.find((b) => b.dataset === r.dataset && b.client === 'kafka-clients (Java)');
const table = [
  '| run | client | events | seconds | events/s | vs Java replay | vs ProducerPerformance | peak RSS (MiB) |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const base = baseline(r);
    return `| ${r.run} | ${r.client} | ${fmt(r.events)} | ${r.seconds.toFixed(1)} | ${fmt(r.eventsPerSec)} | ${base ? (r.eventsPerSec / base.eventsPerSec).toFixed(2) : '-'} | ${(r.eventsPerSec / javaRow.eventsPerSec).toFixed(2)} | ${r.peakRssMb || '-'} |`;
  }),
].join('\n');
const header = `Ingest benchmark ${new Date().toISOString()}: acks=all, idempotent producers, ${config.kafka.topics[0]!.numPartitions} partitions, values ${recordSize} bytes on average`;
console.log(`\n${header}\n\n${table}\n`);
const outDir = path.join(config.repoRoot, 'bench-results');
fs.mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '');
fs.writeFileSync(path.join(outDir, `ingest-${stamp}.json`), JSON.stringify({ header, rows }, null, 2));
fs.writeFileSync(path.join(outDir, `ingest-${stamp}.md`), `${header}\n\n${table}\n`);
console.log(`results: bench-results/ingest-${stamp}.{json,md}`);
