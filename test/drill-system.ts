/**
 * The drill system of a test file (system/drills.ts): its own keyspace, topics, jobs and model,
 * started before the file's tests and stopped after them, its topics deleted.
 */
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { drillEnv, startDrillSystem, stopDrillSystem } from '../system/drills.ts';
import type { RunningSystem } from '../system/start.ts';
import { deleteTopic, silentLog, uniqueName } from './helpers.ts';

export function useDrillSystem(prefix: string) {
  const env = drillEnv(uniqueName(prefix), { archiveRoot: '/it' });
  const stack = loadConfig(env);
  const controller = new AbortController();
  let system: RunningSystem | undefined;

  beforeAll(async () => {
    system = await startDrillSystem({ stack, env, log: silentLog, signal: controller.signal });
  }, 900_000);

  afterAll(async () => {
    controller.abort();
    await stopDrillSystem(system, { stack, env });
    await Promise.all([deleteTopic(env.JOBS_TOPIC_RATINGS!), deleteTopic(env.JOBS_TOPIC_DLQ!)]).catch(() => undefined);
  });

  return {
    env,
    stack,
    /** the API's address, once the system runs */
    apiUrl: () => {
      if (!system) throw new Error('the drill system did not start');
      return system.api.url;
    },
  };
}
