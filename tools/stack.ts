/**
 * npm run stack -- up [engine...] | down [engine...] | status | logs <engine|process> [lines]
 *                 | restart <engine...> | reset | spark-submit <jar> <main class> [args...]
 */
import path from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';
import { sparkSubmit } from '../infra/engines/spark.ts';
import { createStack, formatStatus } from '../infra/stack.ts';

const USAGE = `usage: npm run stack -- <command>
  up [engine...]        install (first time) and start the stack, or the named engines; waits until ready
  down [engine...]      stop what was started and wait until it is gone
  status                engine, process, pid, address, state, memory
  logs <name> [lines]   the last lines of an engine's or a process's log
  restart <engine...>   down, then up
  reset                 down, then delete data, logs and generated config (installed engines stay)
  spark-submit <jar> <main-class> [args...]   run a Spark job against this stack
engines: hdfs cassandra kafka flink spark`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const stack = createStack();
  switch (command) {
    case 'up':
      await stack.up(rest);
      console.log(formatStatus(await stack.status()));
      return;
    case 'down':
      return stack.down(rest);
    case 'status':
      console.log(formatStatus(await stack.status()));
      return;
    case 'logs':
      if (!rest[0]) throw new ConfigError(USAGE);
      console.log(stack.logs(rest[0], rest[1] ? Number(rest[1]) : undefined));
      return;
    case 'restart':
      if (rest.length === 0) throw new ConfigError(USAGE);
      return stack.restart(rest);
    case 'reset':
      return stack.reset();
    case 'spark-submit': {
      const [jar, mainClass, ...args] = rest;
      if (!jar || !mainClass) throw new ConfigError(USAGE);
      const logFile = path.join(stack.config.dirs.logs, 'spark-submit.log');
      console.log(await sparkSubmit(stack.config, { jar: path.resolve(jar), mainClass, args, logFile }));
      return;
    }
    default:
      console.log(USAGE);
      if (command && command !== 'help') process.exitCode = 2;
  }
}

runMain(main);
