/**
 * Integration tests run against the real stack that infra/ starts. It is started here if it
 * is not up, and stopped again afterwards unless it was already running or STACK_KEEP_UP=1.
 * Engines that died during the run (test/healthy-stack.ts started them again) are listed at the
 * end with their last errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createStack } from '../infra/stack.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const stack = createStack({ log: (line) => console.log(`[stack] ${line}`) });
  const restarts = path.join(stack.config.dirs.logs, 'test-restarts.log');
  fs.rmSync(restarts, { force: true });
  const before = await stack.status();
  const wasUp = stack.config.mode === 'external' || before.filter((r) => r.pid !== undefined || r.state === 'installed').length === before.length;
  await stack.up();
  return async () => {
    if (fs.existsSync(restarts)) console.log(`[stack] engines that died during this run and were started again:\n${fs.readFileSync(restarts, 'utf8')}`);
    if (wasUp || process.env.STACK_KEEP_UP === '1') return;
    await stack.down();
  };
}
