/**
 * npm run report [-- --dataset ml-latest-small --history 0.9 --k 10 --explicit]: what the speed layer buys
 * (system/report/speed-report.ts). Runs against the stack in its own keyspace `report`, jobs
 * `report-*`, topics `report_ratings`/`report_dlq`, model `report` and archive `/report/events`,
 * so the system `npm start` runs is left alone. The models are the configured kind (BATCH_IMPLICIT,
 * implicit by default); `--explicit` trains explicit ones. Prints a table; writes
 * bench-results/speed-report-<implicit|explicit>.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.ts';
import { formatSpeedReport, runSpeedReport } from '../system/report/speed-report.ts';
import { runMain } from '../lib/run-main.ts';
import { isolatedEnv } from '../system/environment.ts';

runMain(async () => {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string', default: 'ml-latest-small' },
      history: { type: 'string', default: '0.9' },
      k: { type: 'string', default: '10' },
      explicit: { type: 'boolean', default: false },
    },
  });
  const env = { ...isolatedEnv('report'), ...(values.explicit ? { BATCH_IMPLICIT: 'false' } : {}) };
  const stack = loadConfig(env);
  const report = await runSpeedReport({ stack, env, dataset: values.dataset, historyFraction: Number(values.history), k: Number(values.k) });
  console.log(`\n${formatSpeedReport(report)}`);
  const outDir = path.join(stack.repoRoot, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = `speed-report-${report.feedback}.json`;
  fs.writeFileSync(path.join(outDir, file), `${JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2)}\n`);
  console.log(`\nwritten to ${path.join('bench-results', file)}`);
});
