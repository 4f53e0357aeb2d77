/** Token buckets: per principal and per client address, and one cap on all writes of the process. */
import { trimOldest } from '../lib/bounded-map.ts';
import type { Principal } from './auth.ts';

export interface RateLimiter {
  /** 0 when allowed (and counted); else the seconds until one more is allowed */
  take(key: string, now?: number): number;
}

/** `perMinute` requests per key, refilled continuously, at most `burst` at once (default: a minute's worth). */
export function createRateLimiter({ perMinute, burst = perMinute, maxKeys = 100_000 }: { perMinute: number; burst?: number; maxKeys?: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = perMinute / 60_000;
  return {
    take(key, now = Date.now()) {
      const b = buckets.get(key) ?? { tokens: burst, at: now };
      b.tokens = Math.min(burst, b.tokens + (now - b.at) * ratePerMs);
      b.at = now;
      buckets.set(key, b);
      trimOldest(buckets, maxKeys);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - b.tokens) / ratePerMs / 1000);
    },
  };
}

export interface WriteLimits {
  /** a rating by this principal: 0 when allowed (and counted), else seconds to wait */
  rating(principal: Principal, now?: number): number;
  /** a demo sign-in from this client address: likewise */
  signIn(address: string, now?: number): number;
}

export function createWriteLimits({
  userPerMin,
  keyPerMin,
  signInPerMin,
  capPerS,
}: {
  userPerMin: number;
  keyPerMin: number;
  signInPerMin: number;
  capPerS: number;
}): WriteLimits {
  const users = createRateLimiter({ perMinute: userPerMin });
  const keys = createRateLimiter({ perMinute: keyPerMin });
  const signIns = createRateLimiter({ perMinute: signInPerMin });
  const all = createRateLimiter({ perMinute: capPerS * 60, burst: capPerS, maxKeys: 1 });
  // the principal's own bucket first: a principal over its limit must not use up everybody's cap
  const both = (own: number, now?: number) => own || all.take('all', now);
  return {
    rating: (p, now) => both(p.kind === 'user' ? users.take(String(p.userId), now) : keys.take(p.name, now), now),
    signIn: (address, now) => both(signIns.take(address, now), now),
  };
}
