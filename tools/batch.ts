/**
 * npm run batch -- run [--cutoff <date>] | schedule | status | rollback <version>
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner } from '../batch/runner.ts';
import { ConfigError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';
import { platformOf } from '../infra/platform.ts';

const USAGE = `usage: npm run batch -- <command>
  run [--cutoff <date|epoch s>]   train ALS on the master dataset, publish a new model version
  schedule                        run whenever enough new ratings came (BATCH_AUTO_GROWTH) or the model is BATCH_AUTO_EVERY_HOURS old, until Ctrl-C
  status                          model versions, their metrics, and which one is current
  rollback <version>              make an older complete version current again
  announce                        announce the current version again (status said "switched, not announced")`;

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { cutoff: { type: 'string' } } });
  const runner = createBatchRunner({ platform: platformOf(loadConfig()), batch: loadBatchConfig() });
  switch (positionals[0]) {
    case 'run': {
      const cutoff = values.cutoff === undefined ? undefined : /^\d+$/.test(values.cutoff) ? Number(values.cutoff) * 1000 : Date.parse(values.cutoff);
      if (cutoff !== undefined && Number.isNaN(cutoff)) throw new ConfigError(`--cutoff: not a date: ${values.cutoff}`);
      await runner.run({ cutoff });
      return;
    }
    case 'schedule': {
      const ctrl = new AbortController();
      process.once('SIGINT', () => ctrl.abort());
      let last = '';
      await runner.schedule({
        signal: ctrl.signal,
        onPlan: (plan) => {
          if (!plan.due && plan.reason !== last) console.log(`batch schedule: ${plan.reason}`);
          last = plan.reason;
        },
      });
      return;
    }
    case 'status': {
      const rows = await runner.status();
      if (rows.length === 0) console.log('no model yet: npm run batch -- run');
      const current = rows.find((m) => m.current);
      if (current) console.log(announcement(current.version, await runner.announcedVersion()));
      if (current) console.log(`schedule: ${(await runner.plan()).reason}`);
      for (const m of rows) {
        const age = m.createdAt ? `${Math.round((Date.now() - m.createdAt.getTime()) / 60_000)} min ago` : '';
        console.log(
          `${m.current ? '*' : ' '} ${m.version}  ${m.status.padEnd(8)}  ${age.padEnd(14)}  rmse ${m.metrics.rmse?.toFixed(4) ?? '-'}  ndcg@10 ${m.metrics['ndcg@10']?.toFixed(4) ?? '-'}  ratings ${m.counts.ratings ?? '-'}  ${m.path}`,
        );
      }
      return;
    }
    case 'announce':
      await runner.announceCurrent();
      return;
    case 'rollback':
      if (!positionals[1]) throw new ConfigError(USAGE);
      await runner.rollback(positionals[1]);
      return;
    default:
      console.log(USAGE);
      if (positionals[0] && positionals[0] !== 'help') process.exitCode = 2;
  }
}

/** Whether the speed layer was told about the current version. */
function announcement(current: string, announced: string | undefined): string {
  return announced === current
    ? `current ${current}, announced to the speed layer`
    : `current ${current}, switched, not announced (last announced: ${announced ?? 'none'}): the speed layer may fold in with another model until it restarts; npm run batch -- announce`;
}

runMain(main);
