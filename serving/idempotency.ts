/**
 * Recent idempotency keys of rating POSTs, in this API process: for each key (with its user) what
 * the request asked (its fingerprint), when it was first tried (`ratedAt`), and where it stands:
 * `pending` with the send still running, `accepted` with the 202 body, or `failed` (Kafka refused
 * it or gave up: a retry sends it again, with the same eventId and ratedAt).
 *
 * Bounded (`maxKeys`) and expiring (`ttlMs` after the last change): when full, the oldest settled
 * key goes; a pending key is never dropped (that could let its retry become a second event), so
 * with `maxKeys` sends in flight `reserve` refuses.
 */

export interface AcceptedBody {
  eventId: string;
  userId: number;
  movieId: number;
  rating: number;
}

export type KeyEntry = { fingerprint: string; ratedAt: number; expiresAt: number } & (
  | { state: 'pending'; delivery: Promise<AcceptedBody> }
  | { state: 'accepted'; body: AcceptedBody }
  | { state: 'failed' }
);

export interface IdempotencyKeys {
  get(key: string): KeyEntry | undefined;
  /** whether a send under `key` can be recorded: false when the map is full of sends in flight */
  reserve(key: string): boolean;
  /** records a send in flight (after `reserve` said yes, with nothing asynchronous in between) */
  begin(key: string, fingerprint: string, ratedAt: number, delivery: Promise<AcceptedBody>): void;
  settle(key: string, outcome: { body: AcceptedBody } | { failed: true }): void;
  size(): number;
}

export function createIdempotencyKeys({ maxKeys, ttlMs, now = Date.now }: { maxKeys: number; ttlMs: number; now?: () => number }): IdempotencyKeys {
  // insertion order is the order of the last change: a re-set key moves to the end
  const entries = new Map<string, KeyEntry>();

  const put = (key: string, entry: KeyEntry) => {
    entries.delete(key);
    entries.set(key, entry);
  };

  /** drops expired keys, then the oldest settled ones while full (settled keys are in expiry order) */
  function makeRoom(): boolean {
    const t = now();
    for (const [key, entry] of entries) {
      if (entry.state === 'pending') continue;
      if (entry.expiresAt > t && entries.size < maxKeys) break;
      entries.delete(key);
    }
    return entries.size < maxKeys;
  }

  return {
    get(key) {
      const entry = entries.get(key);
      if (entry && entry.state !== 'pending' && entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return entry;
    },
    reserve: (key) => entries.has(key) || makeRoom(),
    begin(key, fingerprint, ratedAt, delivery) {
      put(key, { fingerprint, ratedAt, expiresAt: Number.POSITIVE_INFINITY, state: 'pending', delivery });
    },
    settle(key, outcome) {
      const entry = entries.get(key);
      if (entry?.state !== 'pending') return;
      const base = { fingerprint: entry.fingerprint, ratedAt: entry.ratedAt, expiresAt: now() + ttlMs };
      put(key, 'body' in outcome ? { ...base, state: 'accepted', body: outcome.body } : { ...base, state: 'failed' });
    },
    size: () => entries.size,
  };
}
