/** Admin routes behind API_ADMIN_TOKEN: run a batch, see the pipeline's status. */
import { timingSafeEqual } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { newRouter, type AdminActions, type AppEnv } from '../router.ts';
import { ApiError } from '../errors.ts';
import { deps, errors } from './shared.ts';

function requireAdmin(c: Context<AppEnv>): AdminActions {
  const { config, admin } = deps(c);
  if (!config.adminToken || !admin) throw new ApiError(403, 'admin routes are disabled: set API_ADMIN_TOKEN');
  const given = Buffer.from(c.req.header('authorization')?.replace(/^Bearer /, '') ?? '');
  const expected = Buffer.from(config.adminToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApiError(403, 'admin credential missing or wrong');
  return admin;
}

const runBatch = createRoute({
  method: 'post',
  path: '/batch',
  summary: 'Start a batch run (ALS retrain) now',
  security: [{ admin: [] }],
  responses: {
    202: { content: { 'application/json': { schema: z.object({ started: z.boolean(), message: z.string() }) } }, description: 'started, or already running' },
    ...errors(403),
  },
});

const status = createRoute({
  method: 'get',
  path: '/status',
  summary: 'Engines, Flink jobs, models',
  security: [{ admin: [] }],
  responses: { 200: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } }, description: 'status' }, ...errors(403) },
});

export function adminRoutes() {
  const app = newRouter();
  app.openapi(runBatch, async (c) => c.json(await requireAdmin(c).runBatch(), 202));
  app.openapi(status, async (c) => c.json((await requireAdmin(c).status()) as Record<string, unknown>, 200));
  return app;
}
