/**
 * Before each integration file: the stack's engines up again where one died during an earlier
 * file (a JobManager that stopped itself while a file's jobs were being cancelled, seen twice in
 * CI), so that one engine's crash fails that file, not every file after it. Engines that are
 * running are left alone. A dead process's last errors are printed and kept in
 * `<logs>/test-restarts.log`, which global-setup prints at the end of the run: a CI log then says
 * why the engine died, not only that a test could not reach it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { lastErrorLines, logFileOf, tailFile } from '../infra/process.ts';
import { createStack } from '../infra/stack.ts';

const stack = createStack({ log: (line) => (/start/i.test(line) ? console.log(`[stack] ${line}`) : undefined) });
const { config } = stack;
if (config.mode === 'local') {
  const file = path.relative(process.cwd(), expect.getState().testPath ?? '(unknown file)');
  for (const row of (await stack.status()).filter((r) => r.state === 'down')) {
    const errors = lastErrorLines(tailFile(logFileOf(config.dirs.logs, row.process), 2_000), 15) || '(no error in the last 2,000 lines)';
    const report = `${new Date().toISOString()} ${row.process} was not running before ${file}; its log's last errors:\n${errors}\n`;
    console.log(`[stack] ${report}`);
    fs.appendFileSync(path.join(config.dirs.logs, 'test-restarts.log'), `${report}\n`);
  }
}
await stack.up();
