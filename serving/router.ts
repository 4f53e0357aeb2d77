/**
 * What every route of the API shares: the dependencies `createApp` is given (`AppDeps`), the Hono
 * environment that carries them, the router with one validation hook, and the error body.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Authenticator } from './auth.ts';
import type { BatchView } from './batch-view.ts';
import type { ApiConfig } from './config.ts';
import type { createFactorCache } from './factors.ts';
import type { Metrics } from './metrics.ts';
import type { WriteLimits } from './rate-limit.ts';
import type { ServingState } from './serving-state.ts';
import type { SpeedView } from './speed-view.ts';
import type { RatingEvents, ServingStore } from './store.ts';

export interface AdminActions {
  /** starts a batch run in the background; false if one is running */
  runBatch(): Promise<{ started: boolean; message: string }>;
  /** engines, jobs and models, for a person to read */
  status(): Promise<unknown>;
}

export interface AppDeps {
  config: ApiConfig;
  store: ServingStore;
  events: RatingEvents;
  state: ServingState;
  /** who is calling: API keys and user tokens (auth.ts) */
  auth: Authenticator;
  metrics: Metrics;
  limits: WriteLimits;
  factors?: ReturnType<typeof createFactorCache>;
  /** speed rows held in memory, kept valid by the ratings stream (speed-view.ts); without it every request reads the speed row */
  speedView?: SpeedView;
  /** the current model's batch rows in memory (batch-view.ts); made from API_BATCH_VIEW_MB if not given */
  batchView?: BatchView;
  admin?: AdminActions;
  log?: (line: string) => void;
}

export type AppEnv = { Variables: { deps: AppDeps } };

/** The JSON body of every error. */
export function errorBody(status: number, message: string, issues?: string[]) {
  return { error: { status, message, ...(issues ? { issues } : {}) } };
}

/** A request that failed its schema: 400 with each problem listed. */
export function invalidRequest(c: Context, problems: readonly { path: readonly PropertyKey[]; message: string }[]) {
  const issues = problems.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
  return c.json(errorBody(400, `invalid request: ${issues.join('; ')}`, issues), 400);
}

/** Validation failures of any route: 400 with each problem listed. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => (result.success ? undefined : invalidRequest(c, result.error.issues)),
  });
}
