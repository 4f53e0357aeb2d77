/**
 * Integration tests run against the real stack that infra/ starts. It is started here if it
 * is not up, and stopped again afterwards unless it was already running or STACK_KEEP_UP=1.
 */
import { createStack } from '../infra/stack.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const stack = createStack({ log: (line) => console.log(`[stack] ${line}`) });
  const before = await stack.status();
  const wasUp = stack.config.mode === 'external' || before.filter((r) => r.pid !== undefined || r.state === 'installed').length === before.length;
  await stack.up();
  return async () => {
    if (wasUp || process.env.STACK_KEEP_UP === '1') return;
    await stack.down();
  };
}
