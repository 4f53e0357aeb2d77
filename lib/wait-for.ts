import { TimeoutError } from './errors.ts';

export interface WaitForOptions {
  /** pause between checks */
  delayMs?: number;
  maxWaitMs?: number;
  /** what is awaited, for the timeout message */
  description?: string;
  signal?: AbortSignal;
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, and returns that value.
 * A check that throws counts as "not yet"; its last error becomes the timeout's `cause`, so the
 * reason a service never became ready reaches the user.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { delayMs = 500, maxWaitMs = 30_000, description = 'condition', signal }: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + maxWaitMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new TimeoutError(`${description} did not hold within ${maxWaitMs} ms${reason}`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, remaining)));
  }
}

/**
 * `work`'s result, or a TimeoutError when it gives none within `ms`. For calls with no deadline of
 * their own (a driver connecting to a frozen node hangs): the caller moves on; the work itself is
 * not cancelled.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, description: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${description} gave no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
