/** A token bucket per key: `perMinute` requests, refilled continuously. */
export interface RateLimiter {
  /** 0 when allowed (and counted); else the seconds until one more is allowed */
  take(key: string, now?: number): number;
}

export function createRateLimiter({ perMinute, maxKeys = 100_000 }: { perMinute: number; maxKeys?: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    take(key, now = Date.now()) {
      const b = buckets.get(key) ?? { tokens: perMinute, at: now };
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
      b.at = now;
      if (buckets.size >= maxKeys && !buckets.has(key)) buckets.delete(buckets.keys().next().value!);
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - b.tokens) / ratePerMs / 1000);
    },
  };
}
