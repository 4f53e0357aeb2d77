/**
 * npm run drills [-- --only freeze,announce] [--repeat 5]: the failure drills of
 * system/drills.ts against a system of their own (keyspace `drills`, jobs `drills-*`,
 * topics `drills_ratings`/`drills_dlq`, model `drills`, archive `/drills/events`), started as
 * `npm start` would and resumed on the next run. Prints what each drill verified; exits 1 when a
 * check fails. The Cassandra and Kafka drills stop those engines for a while: every other user of
 * the stack (a running `npm start`) sees that outage too.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.ts';
import { DRILLS, drillEnv, drills, formatChecks, startDrillSystem, stopDrillSystem, type DrillName } from '../system/drills.ts';
import { ConfigError, PipelineError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';

runMain(async () => {
  const { values } = parseArgs({ options: { only: { type: 'string', default: DRILLS.join(',') }, repeat: { type: 'string', default: '1' } } });
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new ConfigError(`--repeat must be a whole number of rounds, not ${values.repeat}`);
  const chosen = values.only.split(',').map((s) => s.trim()) as DrillName[];
  const unknown = chosen.filter((d) => !DRILLS.includes(d));
  if (unknown.length > 0) throw new PipelineError(`unknown drill ${unknown.join(', ')}; drills: ${DRILLS.join(', ')}`);
  const env = drillEnv('drills');
  const stack = loadConfig(env);
  const log = (line: string) => console.log(line);
  const controller = new AbortController();
  const system = await startDrillSystem({ stack, env, log, signal: controller.signal });
  let failed = 0;
  try {
    // a drill that fails one run in five is a defect: --repeat runs every chosen drill that many rounds in a row
    for (let round = 1; round <= repeat; round++) {
      for (const name of chosen) {
        console.log(`\ndrill ${name}${repeat > 1 ? ` (round ${round} of ${repeat})` : ''}: running`);
        const started = performance.now();
        const checks = await drills[name]({ stack, env, apiUrl: system.api.url, log });
        failed += checks.filter((c) => !c.ok).length;
        console.log(formatChecks(name, checks, (performance.now() - started) / 1000));
      }
    }
  } finally {
    controller.abort();
    await stopDrillSystem(system, { stack, env });
  }
  console.log(failed === 0 ? `\nall ${chosen.length} drills passed${repeat > 1 ? ` ${repeat} times in a row` : ''}` : `\n${failed} check(s) failed`);
  if (failed > 0) process.exitCode = 1;
});
