/** Admin routes, for API keys with the admin scope: run a batch, see the pipeline's status. */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { newRouter, type AdminActions, type AppEnv } from '../router.ts';
import { ApiError } from '../errors.ts';
import { authorize, deps, errors, KEY_ONLY } from './shared.ts';

async function requireAdmin(c: Context<AppEnv>): Promise<AdminActions> {
  await authorize(c, 'admin');
  const { admin } = deps(c);
  if (!admin) throw new ApiError(503, 'admin actions are not wired in this process', 60);
  return admin;
}

const runBatch = createRoute({
  method: 'post',
  path: '/batch',
  summary: 'Start a batch run (ALS retrain) now',
  security: KEY_ONLY,
  responses: {
    202: { content: { 'application/json': { schema: z.object({ started: z.boolean(), message: z.string() }) } }, description: 'started, or already running' },
    ...errors(401, 403, 503),
  },
});

const status = createRoute({
  method: 'get',
  path: '/status',
  summary: 'Engines, Flink jobs, models',
  security: KEY_ONLY,
  responses: { 200: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } }, description: 'status' }, ...errors(401, 403) },
});

export function adminRoutes() {
  const app = newRouter();
  app.openapi(runBatch, async (c) => c.json(await (await requireAdmin(c)).runBatch(), 202));
  app.openapi(status, async (c) => c.json((await (await requireAdmin(c)).status()) as Record<string, unknown>, 200));
  return app;
}
