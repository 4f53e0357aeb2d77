/**
 * Ratings into Kafka on the real stack: the replay of ml-latest-small counted and decoded in
 * TypeScript and in Java (a Flink job), planted bad rows, a broker restart mid-replay, and
 * loading a dataset into HDFS and Cassandra.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../ingest/datasets/generator.ts';
import { SHARED_DATASETS } from '../ingest/datasets/dataset.ts';
import { loadDataset } from '../ingest/datasets/load.ts';
import { createStack } from '../infra/stack.ts';
import { createRatingSink, type SinkClient } from '../ingest/rating-sink.ts';
import { replayRatings } from '../ingest/replay.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { createCodec } from '../schemas/avro.ts';
import { config, consumeAll, createTopic, deleteTopic, runFlinkJobToLines, silentLog, uniqueName } from './helpers.ts';
import { cassandraClient } from '../lib/platform.ts';

const codec = createCodec('rating-event');
const SMALL = path.join(SHARED_DATASETS, 'ml-latest-small');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'it-ingest-'));
const topics: string[] = [];

async function freshTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await createTopic(topic, config.kafka.topics[0]!.numPartitions);
  topics.push(topic);
  return topic;
}

async function replayInto(topic: string, file: string, client: SinkClient = 'direct', extra: { ratePerSec?: number } = {}) {
  const sink = createRatingSink(client, { kafka: config.kafka, topic });
  try {
    const summary = await replayRatings({ file, sink, codec, rejectsFile: path.join(tmp, `${topic}.rejects.jsonl`), progress: false, ...extra });
    return { ...summary, retries: sink.retries };
  } finally {
    await sink.close();
  }
}

afterAll(async () => {
  for (const topic of topics) await deleteTopic(topic).catch(() => undefined);
});

describe('ingest > replay into Kafka', () => {
  it('puts exactly the 100,836 ratings of ml-latest-small in the topic, decodable in TypeScript and in Java', async () => {
    const topic = await freshTopic('it-replay-small');
    const summary = await replayInto(topic, path.join(SMALL, 'ratings.csv'));
    // with the broker well no send is refused: one that overtook an earlier one would be (out of
    // order), and put the sends after it in line (the replay of 32M fell to a ninth so, 12-05)
    expect(summary).toMatchObject({ produced: 100_836, rejected: 0, retries: 0 });

    const records = await consumeAll(topic);
    expect(records).toHaveLength(100_836);
    const events = records.map((r) => ({ partition: r.partition, key: r.key!.toString(), event: codec.decode(r.value) }));
    expect(new Set(events.map((e) => e.event.eventId)).size).toBe(100_836);
    expect(events.every((e) => e.key === String(e.event.userId) && e.event.source === 'REPLAY')).toBe(true);
    // keyed by user: all of a user's events sit in one partition
    const partitionsOfUser = new Map<number, Set<number>>();
    for (const e of events) partitionsOfUser.set(e.event.userId, (partitionsOfUser.get(e.event.userId) ?? new Set()).add(e.partition));
    expect(partitionsOfUser.size).toBe(610);
    expect([...partitionsOfUser.values()].every((p) => p.size === 1)).toBe(true);

    const javaCounts = await runFlinkJobToLines('moviereco.flink.tools.CountRatingsJob', [
      '--bootstrap.servers',
      config.kafka.brokers.join(','),
      '--topic',
      topic,
    ]);
    expect(javaCounts.sort()).toEqual(['distinct-event-ids 100836', 'records 100836', 'valid 100836']);
  });

  it('planted bad rows yield exactly those rejects, with line numbers and reasons, and the rest goes through (kafkajs)', async () => {
    const good = fs.readFileSync(path.join(SMALL, 'ratings.csv'), 'utf8').split('\n').slice(0, 2001); // header + 2000
    const planted: [number, string, string][] = [
      [10, '1,50', 'expected 4 columns (userId,movieId,rating,timestamp), found 2'],
      [500, 'abc,50,4.0,964982931', 'userId is not a positive integer: "abc"'],
      [1000, '7,50,six,964982931', 'rating is not a number: "six"'],
      [1500, '7,51,9.0,964982931', 'rating 9 is not 0.5 to 5 in half steps'],
      [1750, '7,52,2.25,964982931', 'rating 2.25 is not 0.5 to 5 in half steps'],
      [1999, '7,53,2.0,last-week', 'timestamp is not an integer (epoch seconds): "last-week"'],
    ];
    const lines = [...good];
    for (const [lineNo, raw] of planted) lines.splice(lineNo - 1, 0, raw);
    const file = path.join(tmp, 'planted.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);

    const topic = await freshTopic('it-replay-planted');
    const summary = await replayInto(topic, file, 'kafkajs');
    const rejects = fs
      .readFileSync(summary.rejectsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string; raw: string });
    expect(rejects).toEqual(planted.map(([line, raw, reason]) => ({ line, reason, raw })));
    expect(summary).toMatchObject({ produced: 2000, rejected: 6 });
    expect(await consumeAll(topic)).toHaveLength(2000);
  });

  it('a broker restarted during a replay loses nothing and duplicates nothing', async () => {
    const dataset = path.join(tmp, 'restart');
    await generateDataset({ outDir: dataset, ratings: 400_000, seed: 11, progress: false });
    const topic = await freshTopic('it-replay-restart');
    const stack = createStack({ config, log: silentLog });
    // paced to take about 10 s, so that the restart (about 6 s) falls in the middle
    let finished = false;
    const replay = replayInto(topic, path.join(dataset, 'ratings.csv'), 'direct', { ratePerSec: 40_000 }).finally(() => (finished = true));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const before = (await stack.status()).find((r) => r.process === 'kafka')!.pid;
    expect(finished).toBe(false);
    await stack.restart(['kafka']);
    expect(finished).toBe(false);
    const after = (await stack.status()).find((r) => r.process === 'kafka')!.pid;
    expect(after).not.toBe(before);
    const summary = await replay;
    expect(summary).toMatchObject({ produced: 400_000, rejected: 0 });

    const records = await consumeAll(topic);
    const ids = new Set(records.map((r) => codec.decode(r.value).eventId));
    expect(ids.size).toBe(400_000);
    expect(records).toHaveLength(400_000);
  }, 300_000);
});

describe('ingest > loading a dataset', () => {
  it('puts ml-latest-small into HDFS and its movies, with years and links, into Cassandra', async () => {
    const keyspace = uniqueName('it_load');
    const client = cassandraClient(config);
    const hdfs = createWebHdfs({ baseUrl: config.hdfs.webUrl, user: config.hdfs.user });
    try {
      const summary = await loadDataset({
        dataset: { name: 'ml-latest-small', dir: SMALL, source: 'shared' },
        hdfs,
        cassandra: client,
        keyspace,
        rejectsFile: path.join(tmp, 'load.rejects.jsonl'),
        log: silentLog,
      });
      expect(summary).toMatchObject({ hdfsDir: '/movielens/ml-latest-small', movies: 9742, moviesRejected: 0 });
      const listed = Object.fromEntries((await hdfs.list('/movielens/ml-latest-small')).map((f) => [f.pathSuffix, f.length]));
      for (const f of ['ratings.csv', 'movies.csv', 'tags.csv', 'links.csv']) expect(listed[f]).toBe(fs.statSync(path.join(SMALL, f)).size);

      const count = (await client.execute(`SELECT COUNT(*) FROM ${keyspace}.movies`)).first()?.get(0);
      expect(Number(count)).toBe(9742);
      const toyStory = (await client.execute(`SELECT * FROM ${keyspace}.movies WHERE movie_id = ?`, [1], { prepare: true })).first();
      expect({
        title: toyStory?.get('title'),
        year: toyStory?.get('year'),
        genres: toyStory?.get('genres'),
        imdb: toyStory?.get('imdb_id'),
        tmdb: Number(toyStory?.get('tmdb_id')),
      }).toEqual({
        title: 'Toy Story',
        year: 1995,
        genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'],
        imdb: '0114709',
        tmdb: 862,
      });
      const president = (await client.execute(`SELECT title, year FROM ${keyspace}.movies WHERE movie_id = ?`, [11], { prepare: true })).first();
      expect(president?.get('title')).toBe('American President, The');
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await client.shutdown();
    }
  });
});
