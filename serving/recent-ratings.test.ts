import { describe, expect, it } from 'vitest';
import { createRecentRatings } from './recent-ratings.ts';

const nothingSeen = { dataCutoff: undefined, speedComputedAt: undefined };

describe('serving > recent-ratings', () => {
  it('keeps a post until a speed row computed settleMs after it is seen', () => {
    const recent = createRecentRatings({ settleMs: 1000, now: () => 10_000 });
    recent.record(7, 3, 5000);
    recent.record(7, 4, 5500);
    expect(recent.pending(8, nothingSeen)).toEqual([]);
    expect(recent.pending(7, nothingSeen)).toEqual([3, 4]);
    // a row computed right after the post may come from a solve that had not seen it yet
    expect(recent.pending(7, { dataCutoff: 1000, speedComputedAt: 5600 })).toEqual([3, 4]);
    expect(recent.pending(7, { dataCutoff: 1000, speedComputedAt: 6200 })).toEqual([4]);
    expect(recent.pending(7, { dataCutoff: 1000, speedComputedAt: 6600 })).toEqual([]);
    expect(recent.users()).toBe(0);
  });

  it("forgets a post the current model's cutoff has passed, and any after the TTL", () => {
    let t = 10_000;
    const recent = createRecentRatings({ ttlMs: 60_000, now: () => t });
    recent.record(7, 3, 5000);
    recent.record(7, 4, 9000);
    expect(recent.pending(7, { dataCutoff: 6000, speedComputedAt: undefined })).toEqual([4]);
    t = 69_001;
    expect(recent.pending(7, nothingSeen)).toEqual([]);
  });

  it('forgets a movie whose rating the user deleted, and hides its stored rating up to the deletion until the TTL', () => {
    let t = 10_000;
    const recent = createRecentRatings({ ttlMs: 60_000, now: () => t });
    recent.record(7, 3, 5000);
    recent.record(7, 4, 5500);
    recent.forget(7, 3, 6000);
    expect(recent.pending(7, nothingSeen)).toEqual([4]);
    expect(recent.hides(7, 3, 5000)).toBe(true);
    expect(recent.hides(7, 3, 6000)).toBe(true);
    expect(recent.hides(7, 3, 6001)).toBe(false);
    expect(recent.hides(7, 4, 5500)).toBe(false);
    expect(recent.hides(8, 3, 5000)).toBe(false);
    t = 66_001;
    expect(recent.hides(7, 3, 5000)).toBe(false);
  });

  it('holds at most maxUsers users and perUser posts each', () => {
    const recent = createRecentRatings({ maxUsers: 2, perUser: 2, now: () => 0 });
    recent.record(1, 10, 0);
    recent.record(2, 20, 0);
    recent.record(1, 11, 0);
    recent.record(1, 12, 0);
    recent.record(3, 30, 0); // user 2 posted least recently
    expect(recent.users()).toBe(2);
    expect(recent.pending(2, nothingSeen)).toEqual([]);
    expect(recent.pending(1, nothingSeen)).toEqual([11, 12]);
    expect(recent.pending(3, nothingSeen)).toEqual([30]);
  });
});
