import { RetriesExhaustedError, isRetriable } from './errors.ts';

export interface RetryOptions {
  /** attempts after the first one */
  retries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** 0..1: share of each delay that is random */
  jitter?: number;
  /** give up when this much time has passed, whatever `retries` says */
  maxRetryTimeMs?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export type Bail = (error: unknown) => never;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, with jittered exponential backoff. Never retries programmer errors
 * or errors marked `retriable: false`; `bail(error)` stops at once. When attempts or time run out
 * it throws `RetriesExhaustedError` with the last error as `cause`.
 */
export async function retry<T>(
  fn: (bail: Bail, attempt: number) => Promise<T>,
  {
    retries = 5,
    initialDelayMs = 300,
    maxDelayMs = 10_000,
    factor = 2,
    jitter = 0.2,
    maxRetryTimeMs = 60_000,
    onRetry,
    sleep = defaultSleep,
  }: RetryOptions = {},
): Promise<T> {
  const started = Date.now();
  const bailed = new WeakSet<object>();
  const bail: Bail = (error) => {
    const wrapped = { error };
    bailed.add(wrapped);
    throw wrapped;
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(bail, attempt);
    } catch (thrown) {
      if (typeof thrown === 'object' && thrown !== null && bailed.has(thrown)) {
        throw (thrown as { error: unknown }).error;
      }
      if (!isRetriable(thrown)) throw thrown;
      const base = Math.min(maxDelayMs, initialDelayMs * factor ** attempt);
      const delay = Math.round(base * (1 - jitter + Math.random() * jitter * 2));
      const elapsed = Date.now() - started;
      if (attempt >= retries || elapsed + delay > maxRetryTimeMs) {
        throw new RetriesExhaustedError(
          `gave up after ${attempt + 1} attempts in ${elapsed} ms: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          { cause: thrown },
        );
      }
      onRetry?.(thrown, attempt + 1, delay);
      await sleep(delay);
    }
  }
}
