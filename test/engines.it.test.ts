import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sparkSubmit } from '../infra/engines/spark.ts';
import { ensureJobJar } from '../infra/job-jars.ts';
import { createStack } from '../infra/stack.ts';
import { createFlinkClient } from '../speed/flink-client.ts';
import { FlinkRestError } from '../lib/errors.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { config, silentLog, uniqueName } from './helpers.ts';
import { cassandraClient, kafkaClient } from '../lib/platform.ts';
import { createTopicsWithLeaders } from '../lib/kafka-admin.ts';
import kafkajs from 'kafkajs';

const buildLog = path.join(config.dirs.logs, 'test-build.log');

describe('stack > engines answer real clients', () => {
  it('status reports every engine ready, with a pid and resident memory for each local process', async () => {
    const rows = await createStack({ config, log: silentLog }).status();
    for (const row of rows) {
      if (row.engine === 'spark') {
        expect(row.state).toBe(config.mode === 'external' ? 'ready' : 'installed');
        continue;
      }
      expect(row.state, `${row.process}: ${row.detail}`).toBe('ready');
      if (config.mode === 'local') {
        expect(row.pid).toBeGreaterThan(0);
        expect(row.memoryMb).toBeGreaterThan(50);
      }
    }
    expect(rows.map((r) => r.engine)).toEqual(expect.arrayContaining(['hdfs', 'cassandra', 'kafka', 'flink', 'spark']));
  });

  it('kafka: the product topics exist, and a record produced with kafkajs is consumed back', async () => {
    const kafka = kafkaClient(config, 'it-kafka');
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.fetchTopicMetadata({ topics: ['ratings', 'ratings-dlq', 'model-updates'] });
    expect(topics.topics.find((t) => t.name === 'ratings')?.partitions).toHaveLength(config.kafka.topics[0]!.numPartitions);
    // model announcements are compacted: the latest per model name is kept for good
    const updates = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: 'model-updates', configNames: ['cleanup.policy'] }],
    });
    expect(updates.resources[0]?.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue).toBe('compact');
    const topic = uniqueName('it-roundtrip');
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: 1 }]);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'user-1', value: 'hello stack' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('it-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve({ key: message.key!.toString(), value: message.value!.toString() }),
      });
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    expect(received).toEqual({ key: 'user-1', value: 'hello stack' });
  });

  it('cassandra: creates a keyspace and table, writes and reads a row with cassandra-driver', async () => {
    const keyspace = uniqueName('it_ks');
    const client = cassandraClient(config);
    await client.connect();
    try {
      await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      await client.execute(`CREATE TABLE ${keyspace}.movies (id int PRIMARY KEY, title text)`);
      await client.execute(`INSERT INTO ${keyspace}.movies (id, title) VALUES (?, ?)`, [1, 'Toy Story (1995)'], { prepare: true });
      const row = (await client.execute(`SELECT title FROM ${keyspace}.movies WHERE id = ?`, [1], { prepare: true })).first();
      expect(row?.get('title')).toBe('Toy Story (1995)');
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await client.shutdown();
    }
  });

  it('hdfs: writes, lists, reads and deletes a file over WebHDFS', async () => {
    const hdfs = createWebHdfs({ baseUrl: config.hdfs.webUrl, user: config.hdfs.user });
    const dir = `/tmp/${uniqueName('it-hdfs')}`;
    const content = 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n';
    await hdfs.writeFile(`${dir}/ratings.csv`, content);
    expect((await hdfs.list(dir)).map((f) => [f.pathSuffix, f.length])).toEqual([['ratings.csv', Buffer.byteLength(content)]]);
    expect((await hdfs.readFile(`${dir}/ratings.csv`)).toString()).toBe(content);
    expect(await hdfs.remove(dir)).toBe(true);
    expect(await hdfs.exists(dir)).toBe(false);
  });

  it('flink: a job jar uploaded over REST runs to completion and writes its result', async () => {
    const flink = createFlinkClient({ rest: config.flink });
    const jar = await ensureJobJar('flink-jobs', buildLog);
    const jarId = await flink.uploadJar(jar);
    expect((await flink.listJars()).map((j) => j.id)).toContain(jarId);

    const output = path.join(config.dirs.tmp, uniqueName('it-flink'));
    const jobId = await flink.runJar(jarId, {
      entryClass: 'moviereco.flink.smoke.SmokeJob',
      programArgsList: ['--output', `file://${output}`, '--text', 'to be or not to be'],
    });
    const finished = await flink.waitForState(jobId, ['FINISHED'], 120_000);
    expect(finished.name).toBe('smoke-word-count');

    const lines = fs
      .readdirSync(output, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && !f.name.startsWith('.'))
      .flatMap((f) => fs.readFileSync(path.join(f.parentPath, f.name), 'utf8').trim().split('\n'));
    expect(lines.sort()).toEqual(['be 2', 'not 1', 'or 1', 'to 2']);
    await flink.deleteJar(jarId);
    fs.rmSync(output, { recursive: true, force: true });
  });

  it("flink: a failed REST call carries Flink's own error text", async () => {
    const flink = createFlinkClient({ rest: config.flink });
    const jarId = await flink.uploadJar(await ensureJobJar('flink-jobs', buildLog));
    const error = await flink.runJar(jarId, { entryClass: 'moviereco.flink.NoSuchJob' }).catch((e: unknown) => e);
    await flink.deleteJar(jarId);
    expect(error).toBeInstanceOf(FlinkRestError);
    expect((error as FlinkRestError).status).toBeGreaterThanOrEqual(400);
    expect((error as FlinkRestError).flinkErrors.join('\n')).toContain('moviereco.flink.NoSuchJob');
  });

  it('spark: spark-submit runs a job that reads ratings from HDFS and writes counts to Cassandra', async () => {
    const hdfs = createWebHdfs({ baseUrl: config.hdfs.webUrl, user: config.hdfs.user });
    const dir = `/tmp/${uniqueName('it-spark')}`;
    await hdfs.writeFile(`${dir}/ratings.csv`, 'userId,movieId,rating,timestamp\n1,10,4.0,1\n2,10,3.5,2\n3,10,5.0,3\n1,20,2.0,4\n');
    const keyspace = uniqueName('it_spark');
    const client = cassandraClient(config);
    await client.connect();
    try {
      await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      await client.execute(`CREATE TABLE ${keyspace}.counts (movie_id int PRIMARY KEY, ratings bigint)`);
      const output = await sparkSubmit(config, {
        jar: await ensureJobJar('spark-jobs', buildLog),
        mainClass: 'moviereco.spark.smoke.SmokeJob',
        args: [`${config.hdfs.url}${dir}/ratings.csv`, keyspace, 'counts'],
        logFile: path.join(config.dirs.logs, 'it-spark-submit.log'),
      });
      expect(output).toContain('SMOKE_ROWS_WRITTEN 2');
      const rows = (await client.execute(`SELECT movie_id, ratings FROM ${keyspace}.counts`)).rows;
      expect(rows.map((r) => [r.get('movie_id'), Number(r.get('ratings'))]).sort()).toEqual([
        [10, 3],
        [20, 1],
      ]);
    } finally {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
      await client.shutdown();
      await hdfs.remove(dir);
    }
  }, 300_000);
});
