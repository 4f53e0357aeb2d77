/**
 * Speed rows in memory, kept honest by the ratings stream. A speed row changes only after one of
 * its user's ratings has gone through Kafka, so the API, which reads that same topic (keys only,
 * rating-signals.ts), knows when a held row may be outdated:
 *
 * - a row read is held for `ttlMs` (a bound for what no signal covers: a model switch's re-folds,
 *   a signal lost) and served from memory meanwhile, no Cassandra read;
 * - a rating of the user seen on the topic drops the held row; then every request for the user
 *   reads Cassandra and holds nothing for `settleMs` (the speed layer writes the new row within
 *   about a second), and after that holds a row only once it folds the rating in: its
 *   `ratedUntil` (the newest rating time it folds in) reaches the rating's time (or the rating is
 *   `ttlMs` old: one the speed layer writes no row for, such as a rating older than the model).
 *   A row merely computed after the rating is not enough: a lagging job computes rows from older
 *   input after a rating was sent (rows without `ratedUntil`, written before it existed, are taken
 *   by `computedAt`);
 * - a read answers the user's other requests that come within `shareMs` of its start, in flight or
 *   done, unless a rating of the user was seen since it began (and only while the signals flow):
 *   a user who rates and reads often (the busiest users do both) costs at most one read per
 *   `shareMs`, not one per request, and a new speed row is served at most `shareMs` later;
 * - nothing is served from memory while the signals do not flow (before the consumer has joined,
 *   after it crashed): then every request reads, as without the view;
 * - rows are held for the model version current when read: another version is a miss.
 *
 * A row a rating (or a gap in the signals) outdated stays as the user's last known row, never
 * served as current: `getWithin` answers with it, marked stale, when the read that replaces it
 * fails or is slower than the caller's deadline (Cassandra down or starved: a node lost, a
 * cluster recovering). The read goes on and, once settled, is held as usual.
 *
 * Held compactly (Int32 ids, Float32 scores: what CQL `float` holds), at most `maxUsers`, the least
 * recently used going first. A user with no speed row is held too (the common case: most users
 * have not rated since the last batch), so unknown and batch-served users cost no read either.
 *
 * The index (`scan`): which users have a speed row and when it was computed, from a scan of the
 * table's keys (no items) every `ttlMs` (view-loader.ts); the first scan after a start or a model
 * switch may read the rows too, and holds them as reads would, so that no user's first request
 * reads. With the index the view answers for every user: one not in the index has no row (no
 * read, however many distinct users ask), and a held row is served as long as the index shows the
 * same `computedAt` (no TTL re-reads). Reads and settled ratings keep the index current between
 * scans; a row written without a rating (re-folds after a switch) shows at the next scan, the same
 * bound as the TTL. A scan counts only if the signals flowed, uninterrupted, from `settleMs` before
 * it began to its end, so that no rating it could miss went unsignalled; a gap in the signals drops
 * the index, and so do three intervals without a successful scan (the view then holds rows for the
 * TTL, as without an index).
 */
import { trimOldest } from '../lib/bounded-map.ts';
import { compactRow, type RankedRow } from './recommend.ts';
import type { RecommendationRow } from './store.ts';

export interface SpeedViewStats {
  users: number;
  live: boolean;
  /** users in the index (with a speed row), or undefined while there is none */
  indexed: number | undefined;
  hits: number;
  misses: number;
  /** rows dropped because a rating of their user was seen */
  invalidations: number;
  /** answers from an outdated row, the read being late or failed (getWithin) */
  stale: number;
  /** answers from a read another request began within `shareMs` */
  shared: number;
}

export interface SpeedView {
  /** the user's speed row (null: none), from memory when held and still valid, else through `read` */
  get(userId: number, version: string | undefined, read: () => Promise<RecommendationRow | undefined>): Promise<RankedRow | null>;
  /**
   * `get`, but when it reads and the read gives no answer within `staleAfterMs` (or fails), the
   * user's last known row of `version` (one a rating outdated), with `stale: true`. With no such
   * row (or `staleAfterMs` 0), the read's own outcome.
   */
  getWithin(
    userId: number,
    version: string | undefined,
    read: () => Promise<RecommendationRow | undefined>,
    staleAfterMs: number,
  ): Promise<{ row: RankedRow | null; stale: boolean }>;
  /** a rating of the user was produced at `at` (ms, the Kafka record's time) */
  rated(userId: number, at: number): void;
  /** whether the rating signals flow; while they do not, nothing is served from memory */
  setLive(live: boolean): void;
  /**
   * Rebuilds the index from the table's keys; true if it became the index (false: the signals were
   * not flowing long enough, or stopped meanwhile). A failed read leaves the index as it was. Keys
   * that carry their row are held for `version` as a read's would be, while the signals flow, for
   * users with no rating pending and nothing held (what a read holds is newer).
   */
  scan(keys: AsyncIterable<SpeedKey>, version?: string): Promise<boolean>;
  stats(): SpeedViewStats;
}

/** A speed row's identity, as a scan of the table's keys yields it; with the row itself when the scan reads rows. */
export interface SpeedKey {
  userId: number;
  computedAt: number;
  row?: RecommendationRow;
}

interface Held {
  row: RankedRow | null;
  version: string | undefined;
  expiresAt: number;
  /** a rating or a gap in the signals came after it: kept only as the last known row (getWithin) */
  outdated: boolean;
}

interface Shared {
  row: Promise<RankedRow | null>;
  version: string | undefined;
  startedAt: number;
  done: boolean;
}

/** scans may fail (Cassandra busy): the index serves until this many intervals without one, then the TTL rules again */
const STALE_SCANS = 3;

export function createSpeedView({
  maxUsers,
  ttlMs = 30_000,
  settleMs = 3000,
  shareMs = 50,
  now = Date.now,
}: {
  maxUsers: number;
  ttlMs?: number;
  settleMs?: number;
  /** how long a read answers the user's other requests too (0: each request that reads, reads) */
  shareMs?: number;
  now?: () => number;
}): SpeedView {
  const held = new Map<number, Held>();
  /**
   * Users the index answered "no row" for, and under which model version: their last known state
   * for getWithin. Apart from `held`, so that they never push a held row out (most users of a
   * large catalogue have no speed row).
   */
  const knownNone = new Map<number, string | undefined>();
  /** users with a rating seen lately: its time, and until when nothing read for them is held */
  const unsettled = new Map<number, { at: number; until: number }>();
  let live = false;
  /** when the signals last began to flow, and how many times they stopped */
  let liveSince = 0;
  let gaps = 0;
  /** user → computedAt of their speed row, for every speed row; undefined until a scan counts */
  let index: Map<number, number> | undefined;
  /** when the index's scan began: an index older than STALE_SCANS scan intervals (scans failing) is dropped */
  let indexedAt = 0;
  /** what reads learned while a scan ran (computedAt, or undefined: no row): newer than what the scan saw */
  let learned: Map<number, number | undefined> | undefined;
  let hits = 0;
  let misses = 0;
  let invalidations = 0;
  let stale = 0;
  let sharedReads = 0;
  /** reads begun lately, by user: one answers the user's requests for `shareMs` from its start */
  const shared = new Map<number, Shared>();

  /** whether a row read for the user at `t` may be held: no rating of theirs it may not account for */
  const settled = (userId: number, row: RankedRow | null, t: number) => {
    const pending = unsettled.get(userId);
    if (pending === undefined) return true;
    if (t < pending.until) return false;
    // past the settling time: a row that folds the rating in is its successor; else keep reading
    // (the speed layer lags, or wrote nothing for it) until the rating is ttlMs old
    if ((row !== null && (row.ratedUntil ?? row.computedAt) >= pending.at) || t >= pending.at + ttlMs) {
      unsettled.delete(userId);
      return true;
    }
    return false;
  };

  const hold = (userId: number, entry: Held) => {
    knownNone.delete(userId);
    held.delete(userId);
    held.set(userId, entry);
    trimOldest(held, maxUsers);
  };

  /**
   * The row, from memory or a read; `onRead` is called (before the first await) when the answer
   * waits on a read, this request's own or one it shares.
   */
  const lookup = async (
    userId: number,
    version: string | undefined,
    read: () => Promise<RecommendationRow | undefined>,
    onRead?: () => void,
  ): Promise<RankedRow | null> => {
    const t = now();
    if (index && t - indexedAt > STALE_SCANS * ttlMs) index = undefined;
    const entry = held.get(userId);
    const current = entry !== undefined && !entry.outdated;
    if (live && index && !unsettled.has(userId)) {
      const known = index.get(userId);
      if (known === undefined) {
        hits++;
        // "no row" is the user's last known state, should the index go (a gap in the signals); kept in
        // the order first seen (a delete and set per request, to keep it in order of use, cost more
        // than the rest of the look-up)
        if (!knownNone.has(userId) || knownNone.get(userId) !== version) {
          knownNone.delete(userId);
          knownNone.set(userId, version);
          trimOldest(knownNone, maxUsers);
        }
        return null;
      }
      if (current && entry.row && entry.row.computedAt === known) {
        hits++;
        hold(userId, entry); // most recently used last: the Map's order is the eviction order
        return entry.row;
      }
    } else if (live && current && entry.version === version && t < entry.expiresAt && !unsettled.has(userId)) {
      hits++;
      hold(userId, entry);
      return entry.row;
    }
    const sharing = shared.get(userId);
    if (live && sharing && sharing.version === version && t - sharing.startedAt < shareMs) {
      sharedReads++;
      if (!sharing.done) onRead?.();
      return sharing.row;
    }
    misses++;
    onRead?.();
    const reading = read().then((stored) => {
      const row = stored ? compactRow(stored) : null;
      // held as current only if nothing outdated it meanwhile: signals flowing, no rating of the user
      // pending; else kept as the user's last known row
      const valid = live && settled(userId, row, now());
      hold(userId, { row, version, expiresAt: t + ttlMs, outdated: !valid });
      if (valid) {
        if (index) {
          if (row) index.set(userId, row.computedAt);
          else index.delete(userId);
        }
        learned?.set(userId, row?.computedAt);
      }
      return row;
    });
    if (live && shareMs > 0) share(userId, { row: reading, version, startedAt: t, done: false });
    return reading;
  };

  const share = (userId: number, entry: Shared) => {
    // in the order begun: the oldest, no longer shared, go first
    for (const [u, old] of shared) {
      if (entry.startedAt - old.startedAt < shareMs) break;
      shared.delete(u);
    }
    shared.delete(userId);
    shared.set(userId, entry);
    entry.row.then(
      () => {
        entry.done = true;
      },
      () => {
        // a failed read is not shared on: the next request reads again
        if (shared.get(userId) === entry) shared.delete(userId);
      },
    );
  };

  const get: SpeedView['get'] = (userId, version, read) => lookup(userId, version, read);

  return {
    get,
    async getWithin(userId, version, read, staleAfterMs) {
      // the last known row: one held (outdated or not), else none if the index has no row for the
      // user or had none when last asked (an index a gap dropped is no witness for users it was
      // never asked about: a rating may have gone unseen)
      const entry = held.get(userId);
      const known =
        entry && entry.version === version
          ? entry.row
          : (live && index && !index.has(userId)) || (knownNone.has(userId) && knownNone.get(userId) === version)
            ? null
            : undefined;
      // `lookup` calls `onRead` before its first await, so whether the answer waits on a read (its
      // own or a shared one in flight) is known once it returns: a row served from memory, or from
      // a shared read already done, needs no deadline (no timer on the hot path)
      let reading = false;
      const fresh = lookup(userId, version, read, () => {
        reading = true;
      });
      if (!reading || known === undefined || staleAfterMs <= 0) return { row: await fresh, stale: false };
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), staleAfterMs);
      });
      try {
        const first = await Promise.race([fresh, late]);
        if (first !== 'late') return { row: first, stale: false };
      } catch {
        // the read failed: the last known row stands in
      } finally {
        clearTimeout(timer);
      }
      fresh.catch(() => {}); // it goes on, and holds its row if it settles; its failure is answered
      stale++;
      return { row: known, stale: true };
    },
    rated(userId, at) {
      // a read begun before the rating was seen answers no later request
      shared.delete(userId);
      const entry = held.get(userId);
      if (entry && !entry.outdated) {
        entry.outdated = true;
        invalidations++;
      }
      const pending = unsettled.get(userId);
      const until = Math.max(at, now()) + settleMs;
      unsettled.set(userId, { at: Math.max(at, pending?.at ?? 0), until: Math.max(until, pending?.until ?? 0) });
      // the pending set is users who rated in the last moments; sweep it when it grows
      if (unsettled.size > maxUsers) {
        const t = now();
        for (const [u, p] of unsettled) if (t >= p.at + ttlMs) unsettled.delete(u);
      }
    },
    setLive(value) {
      if (value && !live) liveSince = now();
      if (!value && live) gaps++;
      live = value;
      // rows held before a gap in the signals may have missed a rating
      if (!value) {
        shared.clear();
        for (const entry of held.values()) entry.outdated = true;
        index = undefined;
      }
    },
    async scan(keys, version) {
      const startedAt = now();
      const gapsBefore = gaps;
      const counts = () => live && gaps === gapsBefore && liveSince <= startedAt - settleMs;
      if (!counts()) return false;
      const scanned = new Map<number, number>();
      const during = new Map<number, number | undefined>();
      learned = during;
      try {
        for await (const k of keys) {
          scanned.set(k.userId, k.computedAt);
          if (k.row && live && gaps === gapsBefore && !unsettled.has(k.userId) && !held.has(k.userId))
            hold(k.userId, { row: compactRow(k.row), version, expiresAt: now() + ttlMs, outdated: false });
        }
      } finally {
        if (learned === during) learned = undefined;
      }
      if (!counts()) return false;
      for (const [userId, computedAt] of during) {
        if (computedAt === undefined) scanned.delete(userId);
        else scanned.set(userId, computedAt);
      }
      index = scanned;
      indexedAt = startedAt;
      return true;
    },
    stats: () => ({ users: held.size, live, indexed: index?.size, hits, misses, shared: sharedReads, invalidations, stale }),
  };
}
