import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runQueueWaitMs } from './scheduling.ts';

describe('runQueueWaitMs', () => {
  it("reads a live process's run-queue wait in ms, and it never goes back", () => {
    const first = runQueueWaitMs(process.pid);
    expect(first).toBeTypeOf('number');
    expect(first).toBeGreaterThanOrEqual(0);
    // some work in between, so the kernel has had reason to schedule this process again
    spawnSync(process.execPath, ['-e', '0']);
    expect(runQueueWaitMs(process.pid)).toBeGreaterThanOrEqual(first!);
  });

  it('is undefined for no pid or a process that is gone', () => {
    expect(runQueueWaitMs(undefined)).toBeUndefined();
    const gone = spawnSync(process.execPath, ['-e', '0']);
    expect(gone.pid).toBeGreaterThan(0);
    expect(runQueueWaitMs(gone.pid)).toBeUndefined();
  });
});
