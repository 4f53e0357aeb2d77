/**
 * Wires the API to the real stack: Cassandra, Kafka, WebHDFS, the batch runner and the control
 * plane. `startApi()` is what `npm run api` and the end-to-end tests run; `stop()` closes all.
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { StackConfig } from '../infra/config.ts';
import { createStack } from '../infra/stack.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner } from '../batch/runner.ts';
import { createControlPlane } from '../speed/control-plane.ts';
import { loadJobsConfig } from '../speed/jobs.ts';
import { describeError } from '../lib/errors.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { createApp } from '../serving/app.ts';
import { createAuthenticator } from '../serving/auth.ts';
import { createCassandraStore } from '../serving/cassandra-store.ts';
import type { ApiConfig } from '../serving/config.ts';
import { createFactorCache } from '../serving/factors.ts';
import { createKafkaEvents } from '../serving/kafka-events.ts';
import { createMetrics } from '../serving/metrics.ts';
import { createWriteLimits } from '../serving/rate-limit.ts';
import { createServingState } from '../serving/serving-state.ts';
import type { OnlineRate, OnlineWindow } from '../serving/store.ts';
import { startRatingSignals } from '../serving/rating-signals.ts';
import { createSpeedView } from '../serving/speed-view.ts';
import { createBatchView } from '../serving/batch-view.ts';
import { createViewLoader } from '../serving/view-loader.ts';
import { cassandraClient, checkLogins, kafkaClient } from '../lib/platform.ts';
import { partitionCount } from '../lib/kafkajs-send.ts';
import { platformOf } from '../infra/platform.ts';

export interface RunningApi {
  url: string;
  app: ReturnType<typeof createApp>;
  state: ReturnType<typeof createServingState>;
  metrics: ReturnType<typeof createMetrics>;
  stop(): Promise<void>;
}

/** How often the API reads the online evaluation's newest window for /metrics and its status. */
const ONLINE_REFRESH_MS = 15_000;

export async function startApi({
  stack,
  api,
  env = process.env,
  log = (line: string) => console.error(line),
}: {
  stack: StackConfig;
  api: ApiConfig;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}): Promise<RunningApi> {
  // wrong credentials stop the start with a clear error; an engine that is down does not (the API serves 503 until it is back)
  await checkLogins(stack);
  const jobs = loadJobsConfig(env);
  const store = createCassandraStore({
    client: cassandraClient(stack, stack.cassandra.keyspace),
    trendingWindow: `${jobs.trending.windowMinutes}m/${jobs.trending.slideMinutes}m`,
    onlineWindow: `${jobs.onlineEval.windowMinutes}m/${jobs.onlineEval.slideMinutes}m`,
  });
  const kafka = kafkaClient(stack, 'moviereco-api');
  const events = createKafkaEvents({
    kafka,
    topic: api.ratingsTopic,
    partitions: () => partitionCount(kafka, api.ratingsTopic),
    maxQueued: api.kafkaMaxQueued,
    log,
  });
  const state = createServingState({ store, modelName: api.modelName, modelRefreshMs: api.modelRefreshMs, catalogRefreshMs: api.catalogRefreshMs, log });
  const metrics = createMetrics({ processMetrics: true });
  const hdfs = createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user });
  const batch = createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(env), log: () => {} });
  let batchRun: Promise<unknown> | undefined;
  const admin = {
    async runBatch() {
      if (batchRun) return { started: false, message: 'a batch run started by this API is still running' };
      batchRun = batch
        .run()
        .then(
          (r) => log(`admin batch run: ${r.version} published`),
          (e: unknown) => log(`admin batch run failed: ${describeError(e).split('\n')[0]}`),
        )
        .finally(() => (batchRun = undefined));
      return { started: true, message: 'batch run started; GET /admin/status shows the model versions' };
    },
    async status() {
      const [engines, jobStatus, models] = await Promise.all([
        createStack({ config: stack, log: () => {} }).status(),
        createControlPlane({ platform: platformOf(stack), jobs, log: () => {} })
          .status()
          .catch((e: unknown) => describeError(e)),
        batch.status().catch((e: unknown) => describeError(e)),
      ]);
      return { engines, jobs: jobStatus, models, api: metrics.recent(), online: online ?? null };
    },
  };
  // speed rows held in memory while the ratings topic says which users' rows may have changed
  const speedView =
    api.speedViewUsers > 0
      ? createSpeedView({ maxUsers: api.speedViewUsers, ttlMs: api.speedViewTtlMs, settleMs: api.speedViewSettleMs, shareMs: api.speedViewShareMs })
      : undefined;
  const signals = speedView
    ? await startRatingSignals({
        kafka: kafkaClient(stack, 'moviereco-api-signals'),
        topic: api.ratingsTopic,
        onRated: (userId, at) => speedView.rated(userId, at),
        onLive: (live) => speedView.setLive(live),
        log,
      })
    : undefined;
  // the batch view loaded in full after each switch, the speed view's index rebuilt every TTL
  const batchView = createBatchView({ budgetBytes: api.batchViewBytes });
  const views = createViewLoader({ state, store, batchView, speedView, scanMs: api.speedViewTtlMs, speedRows: api.speedRowsPreload, log });
  metrics.gauge('api_batch_view_users', 'Users whose batch row of the current model the batch view holds.', () => batchView.stats().users);
  metrics.gauge('api_batch_view_complete', '1 once every batch row of the current model is held (a user not held has none), else 0.', () =>
    batchView.stats().complete ? 1 : 0,
  );
  metrics.gauge('api_batch_view_load_seconds', "How long the last full load of a model version's batch rows took.", () => views.stats().loadSeconds ?? 0);
  if (speedView) {
    const stats = () => speedView.stats();
    metrics.gauge('api_speed_view_indexed', "Users with a speed row in the speed view's index; 0 while there is no index.", () => stats().indexed ?? 0);
    metrics.gauge('api_speed_view_index_ready', '1 while the speed view has an index (a user not in it has no speed row: no read), else 0.', () =>
      stats().indexed === undefined ? 0 : 1,
    );
    metrics.gauge('api_speed_view_hits', 'Speed rows served from the speed view, no read.', () => stats().hits);
    metrics.gauge('api_speed_view_misses', 'Speed rows read from Cassandra.', () => stats().misses);
    metrics.gauge(
      'api_speed_view_shared',
      "Speed rows served from a read another of the user's requests began within API_SPEED_VIEW_SHARE_MS.",
      () => stats().shared,
    );
    metrics.gauge('api_speed_view_invalidations', 'Held speed rows outdated by a rating seen on the topic.', () => stats().invalidations);
    metrics.gauge('api_speed_view_stale', 'Answers from a last known speed row, the read late or failed.', () => stats().stale);
    metrics.gauge('api_speed_view_users', 'Users whose speed row the speed view holds.', () => stats().users);
    metrics.gauge('api_speed_view_live', '1 while the rating signals flow (the view serves from memory), else 0.', () => (stats().live ? 1 : 0));
  }
  // the online evaluation's newest window, for /metrics and the status (the route reads it itself)
  let online: OnlineWindow | undefined;
  const readOnline = () =>
    store.onlineHits().then(
      (w) => {
        online = w;
      },
      () => undefined,
    );
  const onlineTimer = setInterval(readOnline, ONLINE_REFRESH_MS);
  void readOnline();
  const series = (value: (r: OnlineRate) => number) => () =>
    (online?.rates ?? []).map((r) => ({ labels: { source: r.source, model_version: r.modelVersion }, value: value(r) }));
  metrics.gauges(
    'online_hit_rate',
    'Hit rate@10 of the newest online-eval window: the share of ratings of a movie the user was being served, by source and model version.',
    ['source', 'model_version'],
    series((r) => (r.ratings > 0 ? r.hits / r.ratings : 0)),
  );
  metrics.gauges(
    'online_ratings',
    'Ratings judged in the newest online-eval window, by source and model version.',
    ['source', 'model_version'],
    series((r) => r.ratings),
  );
  const app = createApp({
    config: api,
    store,
    speedView,
    batchView,
    events,
    state,
    auth: createAuthenticator({ keys: api.apiKeys, jwt: api.jwt, demo: api.demo ? { hours: api.sessionHours } : undefined }),
    metrics,
    limits: createWriteLimits({
      userPerMin: api.rateLimitPerMin,
      keyPerMin: api.keyRateLimitPerMin,
      signInPerMin: api.sessionPerMin,
      capPerS: api.writeCapPerS,
    }),
    factors: createFactorCache(hdfs),
    admin,
    log,
  });
  await state
    .refresh({ catalog: true })
    .catch((error: unknown) => log(`first read of the serving store failed (retrying): ${describeError(error).split('\n')[0]}`));
  state.start();
  if (api.viewPreload) views.start();
  const server = serve({ fetch: app.fetch, hostname: api.host, port: api.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${api.host}:${port}`,
    app,
    state,
    metrics,
    async stop() {
      state.stop();
      views.stop();
      clearInterval(onlineTimer);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([events.close(), store.close(), signals?.stop()]);
    },
  };
}
