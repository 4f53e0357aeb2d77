/**
 * Before each integration file: the stack's engines up again where one died during an earlier
 * file (a JobManager that stopped itself on a fatal error while the last file's jobs were being
 * cancelled, seen once in CI), so that one engine's crash fails that file, not every file after it.
 * Engines that are running are left alone; the restart is printed.
 */
import { createStack } from '../infra/stack.ts';

await createStack({ log: (line) => (/start/i.test(line) ? console.log(`[stack] ${line}`) : undefined) }).up();
