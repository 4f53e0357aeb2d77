/**
 * The batch layer's control: run the Spark ALS job (one run at a time), report its phases,
 * switch to the version it wrote and announce it (`switchTo`, the one owner of a switch: a
 * rollback goes through it too), keep the last few versions, and run by itself when enough new ratings came (schedule.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { createCodec } from '../schemas/avro.ts';
import { applyCassandraSchema } from '../schemas/cassandra.ts';
import { describeError, PipelineError } from '../lib/errors.ts';
import { formatDuration } from '../lib/progress.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import type { BatchConfig } from './config.ts';
import { cassandraClient, kafkaClient, type Endpoints, type Platform, type SparkRun } from '../lib/platform.ts';
import { parseBatchLine, type BatchJobResult, type BatchLine } from '../schemas/batch-result.ts';
import { retry } from '../lib/retry.ts';
import { keyspaceCql } from '../schemas/cql.ts';
import { producedSince, readToEnd } from '../lib/kafka-admin.ts';
import { planBatchRun, runSchedule, type BatchPlan, type ScheduleFacts } from './schedule.ts';

export class BatchError extends PipelineError {}

export const MAIN_CLASS = 'moviereco.spark.als.AlsBatchJob';

/** What a run produced: the job's RESULT (schemas/batch-result.ts) and how long the run took. */
export type BatchResult = Required<Pick<BatchJobResult, 'version' | 'dataCutoff' | 'path'>> &
  Omit<BatchJobResult, 'metrics'> & { metrics: Record<string, number>; seconds: number };

export interface ModelRow {
  version: string;
  status: string;
  createdAt: Date;
  dataCutoff: Date | null;
  path: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  counts: Record<string, number>;
  current: boolean;
}

export interface RunOptions {
  version?: string;
  /** only ratings up to this instant (epoch ms) */
  cutoff?: number;
  /** extra job flags, e.g. ['--evaluate-only', 'true'] */
  extraArgs?: string[];
  /** called with the pid once spark-submit runs (tests use it to kill a run) */
  onStart?: (pid: number) => void;
  onLine?: (line: string) => void;
  /** kill the run after this long (default BATCH_RUN_DEADLINE_MINUTES) */
  deadlineMs?: number;
}

/**
 * Waits for a spark-submit run to end, but no longer than its deadline: past it the run gets
 * SIGTERM, then SIGKILL after `graceMs`, and the wait ends with a BatchError saying so (the lock
 * is then released by the caller, so the next run is not blocked by a hung one).
 */
export async function superviseRun(
  job: SparkRun,
  { deadlineMs, what, graceMs = 10_000, kill = (pid: number, signal: NodeJS.Signals) => process.kill(pid, signal), log = () => {} }: SuperviseOptions,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  const ended = await Promise.race([job.exited, deadline]);
  clearTimeout(timer);
  if (ended !== 'deadline') return ended;
  log(`${what} passed its deadline of ${formatDuration(deadlineMs)}: stopping it (pid ${job.pid})`);
  const stop = (signal: NodeJS.Signals) => {
    try {
      kill(job.pid, signal);
    } catch {
      /* already gone */
    }
  };
  stop('SIGTERM');
  const hard = setTimeout(() => stop('SIGKILL'), graceMs);
  const exit = await job.exited;
  clearTimeout(hard);
  throw new BatchError(
    `${what} did not finish within its deadline of ${formatDuration(deadlineMs)} and was stopped (${exit.signal ?? `exit ${exit.code}`}); the current model keeps serving`,
  );
}

export interface SuperviseOptions {
  deadlineMs: number;
  what: string;
  graceMs?: number;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  log?: (line: string) => void;
}

/** A sortable, unique version id: UTC time to the second, e.g. 20261125T124900Z. */
export function newVersion(now = new Date()): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The job's flags for a run. Pure, so it is unit-tested. */
export function jobArgs(stack: Endpoints, batch: BatchConfig, version: string, options: Pick<RunOptions, 'cutoff' | 'extraArgs'> = {}): string[] {
  const args: Record<string, string | number | boolean | undefined> = {
    history: `/movielens/${batch.dataset}/ratings.csv`,
    events: batch.eventsPath,
    models: `/models/${batch.modelName}`,
    keyspace: stack.cassandra.keyspace,
    'model-name': batch.modelName,
    version,
    cutoff: options.cutoff,
    rank: batch.rank,
    reg: batch.reg,
    iterations: batch.iterations,
    implicit: batch.implicit,
    alpha: batch.alpha,
    biases: batch.biases,
    seed: batch.seed,
    'max-future-skew-ms': batch.maxFutureSkewMs,
    split: batch.split,
    'test-fraction': batch.testFraction,
    'top-n': batch.topN,
    'similar-n': batch.similarN,
    'ranking-users': batch.rankingUsers,
    'final-fit': batch.finalFit,
    'shuffle-partitions': batch.shufflePartitions,
    'als-blocks': batch.alsBlocks,
    search: batch.search || undefined,
    'search-seconds': batch.search ? batch.searchSeconds : undefined,
  };
  return [...Object.entries(args).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, String(v)])), ...(options.extraArgs ?? [])];
}

/** The rank, reg and alpha the model serves with: the search's best candidate when there was a search (its metrics say), else the configured ones. */
export function servedParams(batch: BatchConfig, result: Pick<BatchJobResult, 'metrics' | 'counts'>): Record<string, string> {
  const best = result.counts.search_best;
  const of = (name: 'rank' | 'reg' | 'alpha') => String(best === undefined ? batch[name] : (result.metrics[`search_${best}_${name}`] ?? batch[name]));
  return { rank: of('rank'), reg: of('reg'), alpha: of('alpha'), ...(batch.search ? { search: batch.search } : {}) };
}

/**
 * The Spark conf of a run: the Cassandra connector's write settings (its own keys, read by every
 * write of the job) and the consistency of its reads and writes (CASSANDRA_CONSISTENCY).
 */
export function jobConf(stack: Pick<Endpoints, 'cassandra'>, batch: BatchConfig): Record<string, string> {
  const consistency = stack.cassandra.consistency ?? 'LOCAL_QUORUM';
  return {
    'spark.cassandra.output.consistency.level': consistency,
    'spark.cassandra.input.consistency.level': consistency,
    'spark.cassandra.output.concurrent.writes': String(batch.cassandraConcurrentWrites),
    'spark.cassandra.output.batch.size.bytes': String(batch.cassandraBatchBytes),
  };
}

export function createBatchRunner({ platform: stack, batch, log = console.log }: { platform: Platform; batch: BatchConfig; log?: (line: string) => void }) {
  const lockFile = path.join(stack.dirs.run, 'batch.lock');
  const ks = stack.cassandra.keyspace;
  const cql = keyspaceCql(ks);

  async function withCassandra<T>(fn: (client: cassandra.Client) => Promise<T>): Promise<T> {
    const client = cassandraClient(stack);
    try {
      await client.connect();
      return await fn(client);
    } finally {
      await client.shutdown();
    }
  }

  /** One run at a time, across processes: a lock file holding the pid of the run. */
  function acquireLock(): () => void {
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    } catch {
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      let alive = false;
      try {
        process.kill(holder, 0);
        alive = true;
      } catch {
        /* stale lock: its process is gone */
      }
      if (alive) throw new BatchError(`a batch run is already in progress (pid ${holder}, ${lockFile})`, { retriable: true });
      fs.writeFileSync(lockFile, String(process.pid));
    }
    return () => fs.rmSync(lockFile, { force: true });
  }

  async function run(options: RunOptions = {}): Promise<BatchResult> {
    const release = acquireLock();
    try {
      const version = options.version ?? newVersion();
      await withCassandra((c) => applyCassandraSchema(c, ks, stack.cassandra.replication));
      const jar = await stack.jobJar('spark-jobs', log);
      log(`batch ${version}: ALS rank ${batch.rank}, reg ${batch.reg}, ${batch.iterations} iterations on /movielens/${batch.dataset} + ${batch.eventsPath}`);
      const started = performance.now();
      let result: BatchResult | undefined;
      const errors: string[] = [];
      const job = await stack.startSparkSubmit(
        {
          jar,
          mainClass: MAIN_CLASS,
          args: jobArgs(stack, batch, version, options),
          conf: jobConf(stack, batch),
          logFile: path.join(stack.dirs.logs, 'batch.log'),
        },
        (line) => {
          options.onLine?.(line);
          let parsed: BatchLine;
          try {
            parsed = parseBatchLine(line);
          } catch (error) {
            if (errors.length < 4) errors.push((error as Error).message);
            return;
          }
          if (parsed.kind === 'PHASE') log(`  ${parsed.value.name.padEnd(10)} done in ${parsed.value.seconds.toFixed(1)} s`);
          else if (parsed.kind === 'PHASE_START') log(`  ${parsed.value.name.padEnd(10)} …`);
          else if (parsed.kind === 'RESULT') result = { ...(parsed.value as BatchResult), seconds: 0 };
          else if (line.startsWith('SEARCH ')) log(`  ${'search'.padEnd(10)} ${line.slice(7)}`);
          else if (/^(Exception|Caused by|.*Exception: )/.test(line) && errors.length < 4) errors.push(line);
        },
      );
      options.onStart?.(job.pid);
      const { code, signal } = await superviseRun(job, { deadlineMs: options.deadlineMs ?? batch.runDeadlineMs, what: `batch ${version}`, log });
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0 || !result) {
        throw new BatchError(
          `batch ${version} failed (${signal ?? `exit ${code}`}) after ${formatDuration(seconds * 1000)}; the current model keeps serving.\n${errors.join('\n') || 'no error line; see the log'}\n  log: ${path.join(stack.dirs.logs, 'batch.log')}`,
        );
      }
      if (!options.extraArgs?.includes('--evaluate-only')) {
        const switchStarted = performance.now();
        await switchTo(
          { version, dataCutoff: new Date(result.dataCutoff), path: result.path, metrics: result.metrics, params: servedParams(batch, result) },
          result.counts,
        );
        result.phases.switch = (performance.now() - switchStarted) / 1000;
        log(`  ${'switch'.padEnd(10)} done in ${result.phases.switch.toFixed(1)} s`);
      }
      result.seconds = (performance.now() - started) / 1000;
      const m = result.metrics;
      log(
        `batch ${version}: ${result.counts.ratings?.toLocaleString('en-US')} ratings, ${m.rmse === undefined ? 'implicit' : `RMSE ${m.rmse.toFixed(4)} (bias baseline ${m.baseline_rmse?.toFixed(4)})`}, NDCG@10 ${m['ndcg@10']?.toFixed(4)} (popularity ${m['popularity_ndcg@10']?.toFixed(4)}), in ${formatDuration(seconds * 1000)}`,
      );
      if (!options.extraArgs?.includes('--evaluate-only')) await cleanup();
      return result;
    } finally {
      release();
    }
  }

  /** The model versions, newest first; none before the first run has made the keyspace. */
  async function status(): Promise<ModelRow[]> {
    return withCassandra(async (c) => {
      if (!c.metadata.keyspaces[ks]) return [];
      const current = (await c.execute(cql.currentVersion, [batch.modelName], { prepare: true })).first()?.get('version') as string | undefined;
      const rows = (await c.execute(cql.models, [batch.modelName], { prepare: true })).rows;
      return rows.map((r) => ({
        version: r.get('version') as string,
        status: r.get('status') as string,
        createdAt: r.get('created_at') as Date,
        dataCutoff: r.get('data_cutoff') as Date | null,
        path: r.get('path') as string,
        params: (r.get('params') ?? {}) as Record<string, string>,
        metrics: (r.get('metrics') ?? {}) as Record<string, number>,
        counts: Object.fromEntries(Object.entries((r.get('counts') ?? {}) as Record<string, cassandra.types.Long>).map(([k, v]) => [k, Number(v)])),
        current: r.get('version') === current,
      }));
    });
  }

  /** Makes an older COMPLETE version current again and announces it on the model-updates topic. */
  async function rollback(version: string): Promise<ModelRow> {
    const release = acquireLock();
    try {
      const target = (await status()).find((m) => m.version === version);
      if (!target) throw new BatchError(`no model version ${version}`);
      if (target.status !== 'COMPLETE') throw new BatchError(`model version ${version} is ${target.status}, not COMPLETE: it cannot serve`);
      if (target.current) throw new BatchError(`model version ${version} is already current`);
      await switchTo(target);
      log(`rolled back: ${version} is current`);
      return { ...target, current: true };
    } finally {
      release();
    }
  }

  /**
   * The one switch of the batch layer, for a finished run and a rollback alike: `counts` given (a
   * run), the version is marked COMPLETE first; then the current-model pointer flips; then the
   * version is announced on the model-updates topic, retried until Kafka acknowledges it.
   */
  async function switchTo(model: Pick<ModelRow, 'version' | 'dataCutoff' | 'path' | 'metrics' | 'params'>, counts?: Record<string, number>): Promise<void> {
    await withCassandra(async (c) => {
      if (counts) {
        await c.execute(cql.completeModel, [counts, batch.modelName, model.version], {
          prepare: true,
        });
      }
      await c.execute(cql.setCurrentModel, [batch.modelName, model.version, new Date()], {
        prepare: true,
      });
    });
    await retry(() => announce(model), {
      retries: 20,
      maxRetryTimeMs: 120_000,
      onRetry: (error, attempt, delay) =>
        log(`  announcing ${model.version} failed (${describeError(error).split('\n')[0]}); attempt ${attempt + 1} in ${delay} ms`),
    });
  }

  async function announce(model: Pick<ModelRow, 'version' | 'dataCutoff' | 'path' | 'metrics' | 'params'>): Promise<void> {
    const codec = createCodec('model-published');
    const producer = kafkaClient(stack, 'moviereco-batch').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const value = codec.encode({
        modelName: batch.modelName,
        version: model.version,
        publishedAt: Date.now(),
        dataCutoff: model.dataCutoff?.getTime() ?? 0,
        path: model.path,
        rank: Number(model.params.rank ?? batch.rank),
        metrics: model.metrics,
      });
      await producer.send({ topic: batch.updatesTopic, acks: -1, messages: [{ key: batch.modelName, value }] });
    } finally {
      await producer.disconnect();
    }
  }

  /** The version last announced on the model-updates topic for this model, if any. */
  async function announcedVersion(): Promise<string | undefined> {
    const codec = createCodec('model-published');
    let latest: { version: string; publishedAt: number } | undefined;
    for (const message of await readToEnd(kafkaClient(stack, 'moviereco-batch'), batch.updatesTopic)) {
      if (message.key?.toString() !== batch.modelName || !message.value) continue;
      const event = codec.decode(message.value);
      if (!latest || event.publishedAt >= latest.publishedAt) latest = { version: event.version, publishedAt: event.publishedAt };
    }
    return latest?.version;
  }

  /** Announces the current version again: for a switch whose announcement never reached Kafka ("switched, not announced"). */
  async function announceCurrent(): Promise<ModelRow> {
    const current = (await status()).find((m) => m.current);
    if (!current) throw new BatchError('no model is current yet: nothing to announce');
    await switchTo(current);
    log(`announced ${current.version}`);
    return current;
  }

  /** Keeps the newest `keepVersions` COMPLETE versions and the current one; deletes the rest (HDFS and Cassandra). */
  async function cleanup(): Promise<string[]> {
    const models = await status();
    const complete = models.filter((m) => m.status === 'COMPLETE').sort((a, b) => b.version.localeCompare(a.version));
    const keep = new Set([...complete.slice(0, batch.keepVersions).map((m) => m.version), ...models.filter((m) => m.current).map((m) => m.version)]);
    const newestKept = complete[0]?.version ?? '';
    // WRITING rows older than the newest complete version are remains of failed runs
    const drop = models.filter((m) => !keep.has(m.version) && (m.status === 'COMPLETE' || m.version < newestKept));
    if (drop.length === 0) return [];
    const hdfs = createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user });
    await withCassandra(async (c) => {
      const users = await allValues(c, cql.batchUsers);
      const movies = await allValues(c, cql.similarMovies);
      for (const m of drop) {
        await cassandra.concurrent.executeConcurrent(
          c,
          cql.deleteBatchRow,
          users.map((u) => [u, m.version]),
          { concurrencyLevel: 64 },
        );
        await cassandra.concurrent.executeConcurrent(
          c,
          cql.deleteSimilarRow,
          movies.map((id) => [id, m.version]),
          { concurrencyLevel: 64 },
        );
        await c.execute(cql.deleteModel, [batch.modelName, m.version], { prepare: true });
        await hdfs.remove(new URL(m.path).pathname).catch(() => false);
      }
    });
    log(`removed old model versions: ${drop.map((m) => m.version).join(', ')}`);
    return drop.map((m) => m.version);
  }

  /** What the schedule looks at: the current model, and the ratings produced to the ratings topic since it was made. */
  async function scheduleFacts(now = Date.now()): Promise<ScheduleFacts> {
    const current = (await status()).find((m) => m.current);
    if (!current) return { now, newRatings: 0 };
    const createdAt = current.createdAt.getTime();
    const newRatings = await producedSince(kafkaClient(stack, 'moviereco-batch-schedule'), batch.ratingsTopic, createdAt);
    return { now, newRatings, model: { version: current.version, createdAt, trainedOn: current.counts.ratings ?? 0 } };
  }

  /** Whether a run is due now, and else what makes it due (batch/schedule.ts). */
  async function plan(): Promise<BatchPlan> {
    return planBatchRun(batch.schedule, await scheduleFacts());
  }

  /** Runs whenever the schedule says so, until the signal aborts; a run never overlaps another (the lock). */
  function schedule({ signal, onPlan }: { signal?: AbortSignal; onPlan?: (plan: BatchPlan) => void } = {}): Promise<void> {
    return runSchedule({ settings: batch.schedule, facts: () => scheduleFacts(), run: () => run(), onPlan, log, signal });
  }

  return { run, status, plan, rollback, cleanup, schedule, switchTo, announcedVersion, announceCurrent };
}

export type BatchRunner = ReturnType<typeof createBatchRunner>;

/** The first column of every row of a query, all pages. */
async function allValues(client: cassandra.Client, query: string): Promise<unknown[]> {
  const values: unknown[] = [];
  for await (const row of await client.execute(query, [], { fetchSize: 5000 })) values.push(row.get(0));
  return values;
}
