/**
 * The failure drills (system/drills.ts, also `npm run drills`) on the real stack, in a
 * system of their own: the TaskManager killed during a stream, Kafka restarted during a replay,
 * Cassandra stopped and frozen under the API, a batch run killed while it writes, Kafka down during
 * a model switch, the JobManager lost. Each prints what it verified.
 */
import { describe, expect, it } from 'vitest';
import { DRILLS, drills, formatChecks } from '../system/drills.ts';
import { useDrillSystem } from './drill-system.ts';
import { silentLog } from './helpers.ts';

const { env, stack, apiUrl } = useDrillSystem('it_drill');

describe('failure drills', () => {
  it.each(DRILLS)(
    '%s',
    async (name) => {
      const started = performance.now();
      const checks = await drills[name]({ stack, env, apiUrl: apiUrl(), log: silentLog });
      console.log(formatChecks(name, checks, (performance.now() - started) / 1000));
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
    },
    900_000,
  );
});
