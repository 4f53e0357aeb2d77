import { describe, expect, it } from 'vitest';
import { PipelineError, RetriesExhaustedError } from './errors.ts';
import { retry } from './retry.ts';

const noSleep = async () => {};

describe('shared > retry', () => {
  it('returns the first success and passes the attempt number', async () => {
    const attempts: number[] = [];
    const result = await retry(
      async (_bail, attempt) => {
        attempts.push(attempt);
        if (attempt < 2) throw new PipelineError('not yet', { retriable: true });
        return 'done';
      },
      { sleep: noSleep },
    );
    expect(result).toBe('done');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('gives up after `retries` with RetriesExhaustedError carrying the last error', async () => {
    const last = new PipelineError('still down', { retriable: true });
    const error = await retry(async () => Promise.reject(last), { retries: 2, sleep: noSleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as Error).message).toMatch(/^gave up after 3 attempts/);
    expect((error as Error).cause).toBe(last);
  });

  it('never retries errors marked not retriable, nor programmer errors', async () => {
    let calls = 0;
    const fatal = new PipelineError('bad config');
    await expect(
      retry(
        async () => {
          calls++;
          throw fatal;
        },
        { sleep: noSleep },
      ),
    ).rejects.toBe(fatal);
    await expect(
      retry(
        async () => {
          calls++;
          throw new TypeError('x is undefined');
        },
        { sleep: noSleep },
      ),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(2);
  });

  it('bail stops at once with the given error', async () => {
    let calls = 0;
    const reason = new Error('stop');
    await expect(
      retry(
        async (bail) => {
          calls++;
          bail(reason);
        },
        { sleep: noSleep },
      ),
    ).rejects.toBe(reason);
    expect(calls).toBe(1);
  });

  it('backs off exponentially up to maxDelayMs, with jitter inside its bounds', async () => {
    const delays: number[] = [];
    await retry(
      async () => {
        throw new PipelineError('x', { retriable: true });
      },
      {
        retries: 5,
        initialDelayMs: 100,
        maxDelayMs: 500,
        jitter: 0.2,
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    ).catch(() => undefined);
    const bases = [100, 200, 400, 500, 500];
    expect(delays).toHaveLength(5);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(bases[i]! * 0.8);
      expect(d).toBeLessThanOrEqual(bases[i]! * 1.2);
    });
  });
});
