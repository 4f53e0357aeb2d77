/**
 * The failure drills (system/drills.ts, also `npm run drills`) on the real stack, in a
 * system of their own: the TaskManager killed during a stream, Kafka restarted during a replay,
 * Cassandra stopped and frozen under the API, a batch run killed while it writes, Kafka down during
 * a model switch, the JobManager lost. Each prints what it verified.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { DRILLS, drillEnv, drills, formatChecks, startDrillSystem, stopDrillSystem } from '../system/drills.ts';
import type { RunningSystem } from '../system/start.ts';
import { deleteTopic, silentLog, uniqueName } from './helpers.ts';

const id = uniqueName('it_drill');
const env = drillEnv(id, { archiveRoot: '/it' });
const stack = loadConfig(env);
const controller = new AbortController();
let system: RunningSystem;

beforeAll(async () => {
  system = await startDrillSystem({ stack, env, log: silentLog, signal: controller.signal });
}, 900_000);

afterAll(async () => {
  controller.abort();
  await stopDrillSystem(system, { stack, env });
  await Promise.all([deleteTopic(env.JOBS_TOPIC_RATINGS!), deleteTopic(env.JOBS_TOPIC_DLQ!)]).catch(() => undefined);
});

describe('failure drills', () => {
  it.each(DRILLS)(
    '%s',
    async (name) => {
      const started = performance.now();
      const checks = await drills[name]({ stack, env, apiUrl: system.api.url, log: silentLog });
      console.log(formatChecks(name, checks, (performance.now() - started) / 1000));
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
    },
    900_000,
  );
});
