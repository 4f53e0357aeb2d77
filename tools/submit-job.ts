/**
 * npm run jobs -- <command>: deploys and manages the speed layer's Flink jobs over Flink's REST API.
 * The jobs are declared in speed/jobs.ts; see docs/speed.md.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.ts';
import { createControlPlane } from '../speed/control-plane.ts';
import { formatDuration } from '../lib/progress.ts';
import { ConfigError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';
import { platformOf } from '../infra/platform.ts';

const USAGE = `usage: npm run jobs -- <command> [--dry-run]
  deploy [job...] [--from <savepoint>]  run every declared job (or those named) as declared: submits what
         [--fresh]                      is missing (resuming a failed or cancelled run from its last checkpoint,
                                        unless --fresh), upgrades what differs, leaves the rest alone
  upgrade <job>                         stop with a savepoint, start again from it (state kept)
  rescale <job> <parallelism>           the same, at another parallelism
  savepoint <job>                       take a savepoint, keep running
  cancel <job> [--with-savepoint]       stop a job
  status                                declared jobs: state, uptime, checkpoints, drift from the declaration
  list                                  every job the cluster knows
  --dry-run                             print the plan, change nothing`;

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      from: { type: 'string' },
      'with-savepoint': { type: 'boolean', default: false },
    },
  });
  const [command, ...rest] = positionals;
  const dryRun = values['dry-run'];
  const plane = createControlPlane({ platform: platformOf(loadConfig()) });
  const need = (n: number) => {
    if (rest.length < n) throw new ConfigError(USAGE);
  };
  switch (command) {
    case 'deploy':
      await plane.deploy({ only: rest, dryRun, from: values.from, fresh: values.fresh });
      return;
    case 'upgrade':
      need(1);
      await plane.upgrade(rest[0]!, { dryRun });
      return;
    case 'rescale': {
      need(2);
      const parallelism = Number(rest[1]);
      if (!Number.isInteger(parallelism) || parallelism < 1) throw new ConfigError(`parallelism must be a positive integer, not ${rest[1]}`);
      await plane.rescale(rest[0]!, parallelism, { dryRun });
      return;
    }
    case 'savepoint':
      need(1);
      await plane.savepoint(rest[0]!);
      return;
    case 'cancel':
      need(1);
      await plane.cancel(rest[0]!, { withSavepoint: values['with-savepoint'] });
      return;
    case 'status': {
      const rows = await plane.status();
      console.log(['job'.padEnd(24), 'state'.padEnd(13), 'p', 'uptime'.padEnd(9), 'checkpoint'.padEnd(14), 'job id'.padEnd(33), 'drift'].join(' '));
      for (const r of rows) {
        const cp = r.lastCheckpointAgeMs === undefined ? '-' : `${formatDuration(r.lastCheckpointAgeMs)} ago`;
        console.log(
          [
            r.name.padEnd(24),
            r.state.padEnd(13),
            String(r.parallelism ?? '-'),
            (r.uptimeMs === undefined ? '-' : formatDuration(r.uptimeMs)).padEnd(9),
            cp.padEnd(14),
            (r.jid ?? '-').padEnd(33),
            r.drift.length ? r.drift.join('; ') : r.jid ? 'none' : '-',
          ].join(' '),
        );
      }
      return;
    }
    case 'list':
      for (const j of await plane.observe()) console.log(`${j.jid}  ${j.state.padEnd(12)} ${new Date(j.startTime).toISOString()}  ${j.name}`);
      return;
    default:
      console.log(USAGE);
      if (command && command !== 'help') process.exitCode = 2;
  }
}

runMain(main);
