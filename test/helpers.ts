/** Shared helpers for the integration tests. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureJobJar } from '../infra/job-jars.ts';
import { TERMINAL_STATES, createFlinkClient } from '../speed/flink-client.ts';
import { loadConfig } from '../infra/config.ts';
import { kafkaClient } from '../lib/platform.ts';
import { createTopicsWithLeaders } from '../lib/kafka-admin.ts';

/** The stack configuration the tests run against (the same environment as `npm start`). */
export const config = loadConfig();

/** A name no other test or run uses: topics, keyspaces, HDFS paths. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export const silentLog = (): void => {};

export async function createTopic(topic: string, numPartitions = 4): Promise<void> {
  const admin = kafkaClient(config, 'it-admin').admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, [{ topic, numPartitions }]);
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopic(topic: string): Promise<void> {
  const admin = kafkaClient(config, 'it-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

export interface ConsumedRecord {
  partition: number;
  key: Buffer | null;
  value: Buffer;
}

/** Every record in the topic now, read from the beginning up to each partition's end offset. */
export async function consumeAll(topic: string, timeoutMs = 120_000): Promise<ConsumedRecord[]> {
  const kafka = kafkaClient(config, 'it-consumer');
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const records: ConsumedRecord[] = [];
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([p]) => p));
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: uniqueName('it-consume'), maxBytes: 16 << 20, maxBytesPerPartition: 8 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`consumeAll(${topic}): ${records.length} records after ${timeoutMs} ms, partitions ${[...remaining]} not finished`)),
      timeoutMs,
    );
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) records.push({ partition: batch.partition, key: m.key, value: m.value! });
        const last = Number(batch.lastOffset());
        if (last + 1 >= (ends.get(batch.partition) ?? 0)) remaining.delete(batch.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return records;
}

/**
 * Cancels the running jobs whose names start with `prefix` and waits until each has ended, so that
 * what comes next (deleting their topics, the next file's deploy) never overlaps a job still
 * closing its Kafka clients on the JobManager. A job that ended between the listing and the cancel
 * is fine; one that does not end within 2 min is an error.
 */
export async function cancelJobs(prefix: string): Promise<void> {
  const flink = createFlinkClient({ rest: config.flink });
  const running = (await flink.listJobs()).filter((j) => j.name.startsWith(prefix) && j.state === 'RUNNING');
  await Promise.all(
    running.map(async (j) => {
      await flink.cancel(j.jid).catch(() => undefined);
      await flink.waitForState(j.jid, TERMINAL_STATES, 120_000);
    }),
  );
}

/** Uploads the flink-jobs jar, runs a bounded job that writes to `--output`, returns its lines. */
export async function runFlinkJobToLines(entryClass: string, args: string[]): Promise<string[]> {
  const flink = createFlinkClient({ rest: config.flink });
  const jarId = await flink.uploadJar(await ensureJobJar('flink-jobs', path.join(config.dirs.logs, 'test-build.log')));
  const output = path.join(config.dirs.tmp, uniqueName('it-flink-out'));
  try {
    const security = config.flink.clientSecurityFile ? ['--client.security.file', config.flink.clientSecurityFile] : [];
    const jobId = await flink.runJar(jarId, { entryClass, programArgsList: [...args, ...security, '--output', `file://${output}`] });
    await flink.waitForState(jobId, ['FINISHED'], 300_000);
    return fs
      .readdirSync(output, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && !f.name.startsWith('.'))
      .flatMap((f) => fs.readFileSync(path.join(f.parentPath, f.name), 'utf8').trim().split('\n'))
      .filter(Boolean);
  } finally {
    await flink.deleteJar(jarId).catch(() => undefined);
    fs.rmSync(output, { recursive: true, force: true });
  }
}

/** Runs one of the project's command-line tools (tools/<script>.ts) with extra environment; returns stdout. */
export async function runTool(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(config.repoRoot, 'tools', `${script}.ts`), ...args],
      { cwd: config.repoRoot, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => (error ? reject(new Error(`${script} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
    );
  });
}
