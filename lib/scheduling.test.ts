import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseNice, runQueueWaitMs } from './scheduling.ts';

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

describe('parseNice', () => {
  it('takes an integer from -20 to 19 and refuses anything else with the value in the message', () => {
    expect(parseNice('-10')).toBe(-10);
    expect(parseNice('0')).toBe(0);
    expect(parseNice('-20')).toBe(-20);
    expect(parseNice('19')).toBe(19);
    for (const bad of ['-21', '20', '1.5', 'high', '']) expect(() => parseNice(bad)).toThrow(`--nice must be an integer from -20 to 19, not ${bad}`);
  });
});
