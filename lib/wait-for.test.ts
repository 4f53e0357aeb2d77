import { describe, expect, it } from 'vitest';
import { TimeoutError } from './errors.ts';
import { waitFor, withDeadline } from './wait-for.ts';

describe('shared > waitFor', () => {
  it('returns the first value the check yields', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? `ready after ${n}` : undefined), { delayMs: 1 })).resolves.toBe('ready after 3');
  });

  it('treats a throwing check as "not yet" and reports its last error on timeout', async () => {
    const error = await waitFor(
      () => {
        throw new Error('connection refused');
      },
      { delayMs: 5, maxWaitMs: 30, description: 'kafka readiness' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('kafka readiness did not hold within 30 ms: connection refused');
    expect(((error as Error).cause as Error).message).toBe('connection refused');
  });

  it('stops when the signal aborts', async () => {
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(new Error('shutting down')), 10);
    await expect(waitFor(() => false, { delayMs: 2, maxWaitMs: 5000, signal: ctrl.signal })).rejects.toThrow('shutting down');
  });
});

describe('shared > withDeadline', () => {
  it("returns the work's result when it comes in time, and its error as it is", async () => {
    await expect(withDeadline(Promise.resolve(7), 50, 'quick')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 50, 'failing')).rejects.toThrow('boom');
  });

  it('gives up on work that hangs with a TimeoutError naming it', async () => {
    const started = Date.now();
    const error = await withDeadline(new Promise(() => {}), 30, 'the cassandra probe').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('the cassandra probe gave no answer within 30 ms');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
