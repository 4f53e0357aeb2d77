/**
 * The current model's batch rows in memory, filled on demand: a batch row never changes once its
 * version is written, so each user's row is read from Cassandra once per model version and then
 * served from here. Rows are stored compactly in slabs of typed arrays (movie ids as Int32, scores
 * as Float32, which is what CQL `float` holds; 8 bytes per item, about 860 bytes per user of 100
 * items with the bookkeeping), within a stated memory budget (API_BATCH_VIEW_MB): ml-32m's 200,948
 * users take about 170 MB. Beyond the budget the least recently used users go first. A user known
 * to have no batch row is remembered too (a few dozen bytes). Everything is dropped when the
 * version asked for changes (a model switch or a rollback): the view only ever holds one version.
 *
 * `load` fills the view with all of a version's rows at once (the API does it in the background
 * after each switch, view-loader.ts). Once every row of the version is held, the view is complete:
 * a user it does not hold has no batch row, and costs no read either (unknown users, new users).
 * A version whose rows do not fit the budget is loaded up to it and served on demand beyond.
 */
import type { RecommendationRow } from './store.ts';
import { compactRow, type RankedRow } from './recommend.ts';

export interface BatchViewStats {
  version: string | undefined;
  /** users held with a row, and users held as having none */
  users: number;
  absent: number;
  /** estimated bytes held, and the budget */
  bytes: number;
  budgetBytes: number;
  /** users with a row of 100 items the budget holds */
  capacityUsers: number;
  hits: number;
  misses: number;
  /** every row of `version` is held: a user not held has none */
  complete: boolean;
}

/** A batch row with its user, as a full read of a version yields them. */
export interface UserRow {
  userId: number;
  row: RecommendationRow;
}

export interface LoadResult {
  /** rows of the version read, and held (the budget may hold fewer) */
  rows: number;
  held: number;
  complete: boolean;
  /** the version stopped being the one asked for while it loaded */
  superseded: boolean;
}

export interface BatchView {
  /** the user's row of `version` if held (a copy), null if the user is known to have none, undefined if not held */
  peek(userId: number, version: string): RankedRow | null | undefined;
  /** the user's row of `version`, read through `read` when not held; concurrent misses share one read; a failed read is not kept */
  get(userId: number, version: string, read: () => Promise<RecommendationRow | undefined>): Promise<RankedRow | null>;
  /**
   * Holds every row `rows` yields for `version` (which becomes the version asked for); complete
   * once they are all held. Stops early when another version is asked for meanwhile. A failed read
   * leaves the rows held so far, not complete.
   */
  load(version: string, rows: AsyncIterable<UserRow>, onProgress?: (rows: number) => void): Promise<LoadResult>;
  stats(): BatchViewStats;
}

/** what a Map entry, its key and the slot's bookkeeping cost beyond the items (measured with V8: ~40-50 B) */
const ENTRY_BYTES = 64;
const ABSENT = -1;

export function createBatchView({
  budgetBytes,
  rowItems = 100,
  chunkUsers = 4096,
}: {
  budgetBytes: number;
  /** the longest row a slot holds (BATCH_TOP_N, 100); a longer row is served but not kept */
  rowItems?: number;
  /** slots are allocated this many at a time, as the view grows */
  chunkUsers?: number;
}): BatchView {
  const slotBytes = rowItems * 8 + 8 + 2;
  const maxSlots = Math.floor(budgetBytes / (slotBytes + ENTRY_BYTES));
  // slot s lives in chunk ⌊s / chunkUsers⌋ at index s % chunkUsers
  const chunks: { ids: Int32Array; scores: Float32Array; computedAt: Float64Array; length: Uint16Array }[] = [];
  let allocated = 0;
  let fresh = 0;
  const free: number[] = [];
  /** user → slot, or ABSENT; in order of last use */
  const users = new Map<number, number>();
  const inflight = new Map<number, Promise<RankedRow | null>>();
  let version: string | undefined;
  let held = 0;
  let absent = 0;
  let hits = 0;
  let misses = 0;
  let complete = false;

  const bytes = () => held * (slotBytes + ENTRY_BYTES) + absent * ENTRY_BYTES;

  function useVersion(v: string) {
    if (v === version) return;
    version = v;
    users.clear();
    inflight.clear();
    free.length = 0;
    fresh = 0;
    held = 0;
    absent = 0;
    complete = false;
  }

  function takeSlot(): number | undefined {
    const reused = free.pop();
    if (reused !== undefined) return reused;
    if (fresh < allocated) return fresh++;
    if (allocated >= maxSlots) return undefined;
    const n = Math.min(chunkUsers, maxSlots - allocated);
    chunks.push({ ids: new Int32Array(n * rowItems), scores: new Float32Array(n * rowItems), computedAt: new Float64Array(n), length: new Uint16Array(n) });
    allocated += n;
    return fresh++;
  }

  /**
   * The least recently used go first; from a budget of 64 slots up, a 64th of it more in the same
   * walk, as each walk passes the holes of the users deleted before (lib/bounded-map.ts says why)
   */
  function evictTo(limit: number) {
    if (bytes() <= limit) return;
    const target = budgetBytes >= 64 * slotBytes ? limit - (budgetBytes >> 6) : limit;
    for (const [user, slot] of users) {
      if (bytes() <= target) return;
      users.delete(user);
      if (slot === ABSENT) absent--;
      else {
        held--;
        free.push(slot);
      }
    }
  }

  function rowAt(slot: number, v: string): RankedRow {
    const chunk = chunks[Math.floor(slot / chunkUsers)]!;
    const at = (slot % chunkUsers) * rowItems;
    const n = chunk.length[slot % chunkUsers]!;
    return { modelVersion: v, computedAt: chunk.computedAt[slot % chunkUsers]!, movieIds: chunk.ids.slice(at, at + n), scores: chunk.scores.slice(at, at + n) };
  }

  function keep(userId: number, row: RecommendationRow | undefined): RankedRow | null {
    if (row === undefined) {
      evictTo(budgetBytes - ENTRY_BYTES);
      users.set(userId, ABSENT);
      absent++;
      return null;
    }
    const n = row.items.length;
    const ranked = compactRow(row);
    if (n > rowItems) return ranked;
    evictTo(budgetBytes - slotBytes - ENTRY_BYTES);
    const slot = takeSlot();
    if (slot === undefined) return ranked;
    const chunk = chunks[Math.floor(slot / chunkUsers)]!;
    const i = slot % chunkUsers;
    chunk.ids.set(ranked.movieIds, i * rowItems);
    chunk.scores.set(ranked.scores, i * rowItems);
    chunk.computedAt[i] = row.computedAt;
    chunk.length[i] = n;
    users.set(userId, slot);
    held++;
    return ranked;
  }

  function peek(userId: number, v: string): RankedRow | null | undefined {
    useVersion(v);
    const slot = users.get(userId);
    if (slot === undefined) {
      if (!complete) return undefined;
      hits++;
      return null;
    }
    hits++;
    // most recently used last, for eviction; a complete view evicts nothing, so it skips the churn
    if (!complete) {
      users.delete(userId);
      users.set(userId, slot);
    }
    return slot === ABSENT ? null : rowAt(slot, v);
  }

  return {
    peek,
    get(userId, v, read) {
      const known = peek(userId, v);
      if (known !== undefined) return Promise.resolve(known);
      const pending = inflight.get(userId);
      if (pending) return pending;
      misses++;
      const reading = read().then(
        (row) => {
          if (inflight.get(userId) === reading) inflight.delete(userId);
          // a row of another version (or read for a version no longer current) is served, not kept
          if (v !== version || (row !== undefined && row.modelVersion !== v) || users.has(userId)) {
            return row ? compactRow(row) : null;
          }
          return keep(userId, row);
        },
        (error: unknown) => {
          if (inflight.get(userId) === reading) inflight.delete(userId);
          throw error;
        },
      );
      inflight.set(userId, reading);
      return reading;
    },
    async load(v, rows, onProgress) {
      useVersion(v);
      let read = 0;
      let full = false;
      for await (const { userId, row } of rows) {
        if (version !== v) return { rows: read, held, complete: false, superseded: true };
        read++;
        if (read % 10_000 === 0) onProgress?.(read);
        if (full || row.modelVersion !== v || users.has(userId)) continue;
        // a full view stops taking rows rather than evict the ones it took
        if (row.items.length > rowItems || bytes() + slotBytes + ENTRY_BYTES > budgetBytes) {
          full = true;
          continue;
        }
        keep(userId, row);
      }
      if (version !== v) return { rows: read, held, complete: false, superseded: true };
      complete = !full;
      return { rows: read, held, complete, superseded: false };
    },
    stats: () => ({ version, users: held, absent, bytes: bytes(), budgetBytes, capacityUsers: maxSlots, hits, misses, complete }),
  };
}
