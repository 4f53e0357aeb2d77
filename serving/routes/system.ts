/** Liveness, readiness and Prometheus metrics. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../router.ts';
import { ApiError } from '../errors.ts';
import { deps, errors, fromStore } from './shared.ts';

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'The process answers',
  security: [],
  responses: { 200: { content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } }, description: 'alive' } },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  summary: 'Cassandra answers and a model is current (503 until then)',
  security: [],
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ status: z.literal('ready'), modelVersion: z.string(), movies: z.number() }) } },
      description: 'ready',
    },
    ...errors(503),
  },
});

const metricsSummary = createRoute({
  method: 'get',
  path: '/metrics/summary',
  summary: 'The last minute in one line: requests per second and latency percentiles (npm run status)',
  security: [],
  responses: {
    200: { content: { 'application/json': { schema: z.object({ perSecond: z.number(), p50Ms: z.number(), p99Ms: z.number() }) } }, description: 'summary' },
  },
});

const onlineMetrics = createRoute({
  method: 'get',
  path: '/metrics/online',
  summary:
    'Online evaluation: of the ratings in the newest closed window, the share that were of a movie in the top 10 the user was being served, per source and model version (online-eval job)',
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z.object({
            window: z.string().nullable(),
            windowEnd: z.string().nullable(),
            rates: z.array(
              z.object({
                source: z.string(),
                modelVersion: z.string(),
                ratings: z.number(),
                hits: z.number(),
                hitRate: z.number().openapi({ description: 'hit rate@10: hits / ratings' }),
              }),
            ),
          }),
        },
      },
      description: 'online metrics',
    },
    ...errors(503),
  },
});

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus text: requests by route and status, latency histograms, ratings published, the views, the process',
  description: 'Needs no credential (Prometheus scrapes it); keep it internal where the API listens on a public address.',
  security: [],
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus exposition format' } },
});

export function systemRoutes() {
  const app = newRouter();
  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(ready, async (c) => {
    const { store, state } = deps(c);
    await fromStore('Cassandra', () => store.ping());
    const current = state.current();
    if (!current) throw new ApiError(503, 'no model is current yet: run a batch (npm run batch -- run)', 10);
    if (state.catalog().size === 0) throw new ApiError(503, 'the movie catalogue is empty: load a dataset (npm run data -- load)', 10);
    return c.json({ status: 'ready' as const, modelVersion: current.version, movies: state.catalog().size }, 200);
  });
  app.openapi(metricsSummary, (c) => c.json(deps(c).metrics.recent(), 200));
  app.openapi(onlineMetrics, async (c) => {
    const online = await fromStore('Cassandra', () => deps(c).store.onlineHits());
    return c.json(
      {
        window: online?.window ?? null,
        windowEnd: online ? new Date(online.windowEnd).toISOString() : null,
        rates: (online?.rates ?? []).map((r) => ({ ...r, hitRate: r.ratings > 0 ? r.hits / r.ratings : 0 })),
      },
      200,
    );
  });

  app.openapi(metrics, async (c) => {
    const { metrics } = deps(c);
    return c.text(await metrics.render(), 200, { 'content-type': metrics.contentType });
  });
  return app;
}
