/**
 * The whole system in one call (what `npm start` runs): the stack, a dataset split by time, the
 * history loaded and trained on, the Flink jobs, the API and web page, and a gentle replay of the
 * newer ratings. Each step is skipped when already done (`<state>/run/start.json`), so running it
 * again resumes: the replay continues where it stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadApiConfig } from '../serving/config.ts';
import { startApi, type RunningApi } from './api-server.ts';
import { DATA_DIR, DatasetError, findDataset, GROUPLENS_URL, type FoundDataset } from '../ingest/datasets/dataset.ts';
import { generateDataset, generatedStandIn } from '../ingest/datasets/generator.ts';
import { loadDataset } from '../ingest/datasets/load.ts';
import type { StackConfig } from '../infra/config.ts';
import { createStack } from '../infra/stack.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner } from '../batch/runner.ts';
import type { BatchPlan } from '../batch/schedule.ts';
import { createControlPlane } from '../speed/control-plane.ts';
import { createRatingSink } from '../ingest/rating-sink.ts';
import { replayRatings, type ReplaySummary } from '../ingest/replay.ts';
import { loadJobsConfig } from '../speed/jobs.ts';
import { describeError } from '../lib/errors.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { createCodec } from '../schemas/avro.ts';
import { splitByTime, type Split } from './split.ts';
import { cassandraClient, checkLogins } from '../lib/platform.ts';
import { platformOf } from '../infra/platform.ts';

export interface StartOptions {
  stack: StackConfig;
  env: Record<string, string | undefined>;
  /** a MovieLens name or path; when it cannot be found or downloaded, a generated set of the same shape */
  dataset: string;
  historyFraction: number;
  /** replay rate, events/s */
  rate: number;
  log: (line: string) => void;
  signal: AbortSignal;
}

interface StartState {
  dataset: string;
  datasetDir: string;
  historyFraction: number;
  split?: Split;
  loaded?: boolean;
  /** the first batch ran on this history */
  trained?: boolean;
  /** ratedAt (ms) of the last replayed event */
  replayedUntil?: number;
  replayed?: number;
}

export interface RunningSystem {
  api: RunningApi;
  replay: Promise<ReplaySummary | undefined>;
  replayed(): number;
  liveTotal: number;
  /** the batch schedule's latest plan (undefined when BATCH_AUTO=false or before its first look) */
  batchPlan(): BatchPlan | undefined;
  stop(): Promise<void>;
}

/**
 * The named set, or else its generated stand-in of the same shape (said plainly, as it is not
 * MovieLens); a set without a stand-in stops the start with how to get it.
 */
async function findOrGenerate(name: string, log: (line: string) => void): Promise<FoundDataset> {
  try {
    return await findDataset(name, { log });
  } catch (error) {
    const why = describeError(error).split('\n')[0];
    const standIn = generatedStandIn(name);
    if (!standIn)
      throw new DatasetError(
        `${name} is not here and could not be downloaded (${why}). Download it from ${GROUPLENS_URL}/${name}.zip, unzip it and pass the folder: npm start -- --dataset /path/to/${name}; or run a generated set: npm run data -- generate --preset 32m, then npm start -- --dataset ${path.join(DATA_DIR, 'generated', 'generated-32m-s42')}`,
        { cause: error },
      );
    const { ratings, users, movies } = standIn.shape;
    const fmt = (n: number) => n.toLocaleString('en-US');
    log(
      [
        `${name} is not here and could not be downloaded (${why}).`,
        `RUNNING ${standIn.name} INSTEAD: generated data of ${name}'s shape (${fmt(ratings)} ratings, ${fmt(users)} users, ${fmt(movies)} movies), not MovieLens.`,
        `For the real set: download ${GROUPLENS_URL}/${name}.zip, unzip it and run npm start -- --dataset /path/to/${name}`,
      ].join('\n'),
    );
    const dir = path.join(DATA_DIR, 'generated', standIn.name);
    if (!fs.existsSync(path.join(dir, 'ratings.csv'))) await generateDataset({ outDir: dir, ...standIn.shape, seed: 42 });
    return { name: standIn.name, dir, source: 'path' };
  }
}

export async function startSystem(o: StartOptions): Promise<RunningSystem> {
  const { stack, log } = o;
  // one state file per keyspace: a test or a second environment resumes its own run
  const stateFile = path.join(stack.dirs.run, stack.cassandra.keyspace === 'moviereco' ? 'start.json' : `start-${stack.cassandra.keyspace}.json`);
  fs.mkdirSync(stack.dirs.run, { recursive: true });
  const saved: StartState | undefined = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : undefined;
  const save = (s: StartState) => fs.writeFileSync(stateFile, `${JSON.stringify(s, null, 2)}\n`);

  log('1/7 stack');
  await createStack({ config: stack, log }).up();
  // wrong credentials stop here, with the setting to check, before any data moves
  await checkLogins(stack);

  log('2/7 dataset');
  const resume =
    saved &&
    (saved.dataset === o.dataset || saved.datasetDir === o.dataset) &&
    saved.historyFraction === o.historyFraction &&
    saved.split &&
    fs.existsSync(saved.split.liveFile);
  const dataset = resume ? { name: path.basename(saved.datasetDir), dir: saved.datasetDir, source: 'path' as const } : await findOrGenerate(o.dataset, log);
  const state: StartState = resume ? saved : { dataset: o.dataset, datasetDir: dataset.dir, historyFraction: o.historyFraction };
  if (!state.split) {
    state.split = await splitByTime(dataset.dir, path.join(DATA_DIR, 'demo', dataset.name), o.historyFraction);
    log(
      `   ${dataset.name}: ${state.split.history.toLocaleString('en-US')} ratings before ${new Date(state.split.splitAt * 1000).toISOString().slice(0, 10)} as history, ${state.split.live.toLocaleString('en-US')} newer ones to replay`,
    );
    save(state);
  } else log(`   ${dataset.name}: split done before (${state.replayed ?? 0} of ${state.split.live} replayed)`);

  const historyName = `${dataset.name}-history`;
  const env = { ...o.env, BATCH_DATASET: historyName };
  if (!state.loaded) {
    log('3/7 history into HDFS and movies into Cassandra');
    const client = cassandraClient(stack);
    try {
      await loadDataset({
        dataset: { name: historyName, dir: state.split.historyDir, source: 'path' },
        hdfs: createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user }),
        cassandra: client,
        keyspace: stack.cassandra.keyspace,
        replication: stack.cassandra.replication,
        rejectsFile: path.join(stack.dirs.logs, 'load-rejects.jsonl'),
        log,
      });
    } finally {
      await client.shutdown();
    }
    state.loaded = true;
    save(state);
  } else log('3/7 history loaded before');

  const batchConfig = loadBatchConfig(env);
  const runner = createBatchRunner({ platform: platformOf(stack), batch: batchConfig, log });
  const models = await runner.status().catch(() => []);
  if (!state.trained || !models.some((m) => m.current)) {
    log('4/7 first batch run on the history');
    await runner.run();
    state.trained = true;
    save(state);
  } else log(`4/7 model ${models.find((m) => m.current)!.version} is current`);

  log('5/7 Flink jobs');
  await createControlPlane({ platform: platformOf(stack), jobs: loadJobsConfig(env), log: (l) => log(`   ${l}`) }).deploy();

  log('6/7 API and web page');
  // npm start is a demo: anyone may sign in as any user, unless the environment says API_DEMO=false
  const apiConfig = loadApiConfig({ API_DEMO: 'true', ...env });
  if (apiConfig.demo)
    log('   DEMO MODE: anyone may sign in as any user (POST /session). For real use: API_DEMO=false, user tokens and API keys (docs/security.md)');
  const api = await startApi({ stack, api: apiConfig, env, log: (l) => log(`   api: ${l}`) });

  log(`7/7 replay of the newer ratings at ${o.rate} events/s`);
  const codec = createCodec('rating-event');
  const sink = createRatingSink('kafkajs', { kafka: stack.kafka, topic: loadJobsConfig(env).topics.ratings, clientId: 'moviereco-start' });
  let replayed = state.replayed ?? 0;
  const replay = replayRatings({
    file: state.split.liveFile,
    sink,
    codec,
    rejectsFile: path.join(stack.dirs.logs, 'start-replay-rejects.jsonl'),
    ratePerSec: o.rate,
    // the newer ratings happen now, as the web page's do: trending shows live windows, not 2018's
    stampNow: true,
    onSent: ({ count, lastRatedAt }) => {
      replayed += count;
      state.replayed = replayed;
      state.replayedUntil = lastRatedAt;
    },
    // events of the same millisecond as the last one sent are sent again: downstream they change nothing
    from: state.replayedUntil,
    progress: false,
    signal: o.signal,
  }).catch((error: unknown) => {
    if (o.signal.aborted) return undefined;
    throw error;
  });

  // the batch runs by itself once enough new ratings came, or the model is old enough (batch/schedule.ts)
  const scheduleStop = new AbortController();
  o.signal.addEventListener('abort', () => scheduleStop.abort(), { once: true });
  let plan: BatchPlan | undefined;
  let said = '';
  const scheduled = batchConfig.auto
    ? runner.schedule({
        signal: scheduleStop.signal,
        onPlan: (p) => {
          plan = p;
          // said once per model: what the next run waits for
          const what = p.reason.replace(/^[\d,]+ new ratings/, 'new ratings');
          if (!p.due && what !== said) log(`   batch schedule: ${p.reason}`);
          said = what;
        },
      })
    : undefined;
  if (!scheduled) log('   batch schedule off (BATCH_AUTO=false): npm run batch -- run retrains');

  // the replay position is saved every few seconds, so even a hard kill resumes close to where it was
  const saver = setInterval(() => save(state), 5000);
  return {
    api,
    replay,
    replayed: () => replayed,
    liveTotal: state.split.live,
    batchPlan: () => plan,
    async stop() {
      clearInterval(saver);
      // a run in flight is not waited for: a batch killed mid-run leaves the current model as it was
      scheduleStop.abort();
      await replay.catch(() => undefined);
      save(state);
      await sink.close().catch(() => undefined);
      await api.stop();
    },
  };
}
