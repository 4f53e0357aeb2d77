/**
 * The serving API: `createApp({ store, events, state, ... })` builds a Hono app with every
 * dependency passed in (so tests run it in-process with `app.request`). One sub-app per resource,
 * zod validation that also generates the OpenAPI document, one error handler.
 */
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { describeError } from '../lib/errors.ts';
import { ApiError } from './errors.ts';
import { createBatchView } from './batch-view.ts';
import { createIdempotencyKeys } from './idempotency.ts';
import { createRecentRatings } from './recent-ratings.ts';
import { securityHeaders } from './security-headers.ts';
import { adminRoutes } from './routes/admin.ts';
import { basketRoutes } from './routes/basket.ts';
import { movieRoutes } from './routes/movies.ts';
import { systemRoutes } from './routes/system.ts';
import { userRoutes } from './routes/users.ts';
import { webRoutes } from './routes/web.ts';
import { errorBody, newRouter, type AppDeps } from './router.ts';

export function createApp(deps: AppDeps) {
  const app = newRouter();
  const log = deps.log ?? ((line: string) => console.error(line));

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    const started = performance.now();
    await next();
    deps.metrics.observeRequest(c.req.method, c.req.routePath, c.res.status, (performance.now() - started) / 1000);
  });

  app.use('*', securityHeaders());
  // same origin only unless API_CORS_ORIGINS names the browsers' origins allowed to call
  if (deps.config.corsOrigins.length > 0)
    app.use(
      '*',
      cors({
        origin: deps.config.corsOrigins.includes('*') ? '*' : [...deps.config.corsOrigins],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-api-key'],
        allowMethods: ['GET', 'POST'],
        exposeHeaders: ['retry-after'],
        maxAge: 600,
      }),
    );

  // only requests that may carry a body: reading `body` makes @hono/node-server build a whole fetch
  // Request with an AbortSignal, whose clean-ups after a GC stalled the event loop for up to 200 ms
  // under load (docs/benchmarks.md, 2026-12-02)
  const limitBody = bodyLimit({
    maxSize: deps.config.maxBodyBytes,
    onError: (c) => c.json(errorBody(413, `request body too large: at most ${deps.config.maxBodyBytes} bytes`), 413),
  });
  app.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  app.route('/', systemRoutes());
  app.route(
    '/',
    userRoutes({
      idempotency: createIdempotencyKeys({ maxKeys: deps.config.idempotencyKeys, ttlMs: deps.config.idempotencyTtlMs }),
      batchView: deps.batchView ?? createBatchView({ budgetBytes: deps.config.batchViewBytes }),
      recent: createRecentRatings({ maxUsers: deps.config.recentRatingsUsers, ttlMs: deps.config.recentRatingsTtlMs }),
    }),
  );
  app.route('/', basketRoutes());
  app.route('/movies', movieRoutes());
  app.route('/admin', adminRoutes());
  app.route('/', webRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'userToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'a token the host application signs: sub = the user id, exp required (docs/security.md); in demo mode POST /session gives one',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: "the host backend's key, scoped read / write / admin (also accepted as Authorization: Bearer mrk_...)",
  });

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'moviereco API', version: '0.1.0', description: 'Movie recommendations from the batch and speed views; ratings in.' },
  });

  app.notFound((c) => c.json(errorBody(404, `no route ${c.req.method} ${c.req.path}`), 404));

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      if (error.retryAfterS) c.header('Retry-After', String(error.retryAfterS));
      if (error.status >= 500) log(`${c.req.method} ${c.req.path}: ${describeError(error).split('\n')[0]}`);
      return c.json(errorBody(error.status, error.message), error.status);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      return c.json(errorBody(status, error.message || (status === 413 ? 'request body too large' : 'request failed')), status);
    }
    log(`${c.req.method} ${c.req.path}: ${describeError(error)}`);
    return c.json(errorBody(500, 'internal error'), 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
