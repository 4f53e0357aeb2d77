import { describe, expect, it } from 'vitest';
import { meanScores, rankingAt, splitPerUser, standardError, type TimedRating } from './ranking.ts';

const r = (userId: number, movieId: number, ratedAt: number, rating = 4): TimedRating => ({ userId, movieId, rating, ratedAt });

describe('splitPerUser', () => {
  it("replays each user's first half in time order and holds out the rest", () => {
    const { replay, heldOut } = splitPerUser([r(1, 10, 5), r(1, 11, 1), r(1, 12, 3), r(2, 20, 2), r(1, 13, 4), r(3, 30, 9), r(3, 31, 9)]);
    expect(replay.map((x) => `${x.userId}:${x.movieId}`)).toEqual(['1:11', '2:20', '1:12', '3:30']);
    expect(heldOut.get(1)!.map((x) => x.movieId)).toEqual([13, 10]);
    expect(heldOut.get(3)!.map((x) => x.movieId)).toEqual([31]);
    expect(heldOut.has(2)).toBe(false); // one newer rating: replayed, nothing left to judge
  });
});

describe('rankingAt', () => {
  it('computes precision, recall, binary NDCG and hit at k', () => {
    const s = rankingAt([5, 1, 7, 2], new Set([1, 2, 9]), 4);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBeCloseTo(2 / 3);
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(s.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(s.hit).toBe(1);
  });

  it('looks only at the first k and is zero without a hit', () => {
    expect(rankingAt([5, 6, 1], new Set([1]), 2)).toEqual({ precision: 0, recall: 0, ndcg: 0, hit: 0 });
    expect(rankingAt([1], new Set([1]), 10)).toMatchObject({ precision: 0.1, recall: 1, ndcg: 1, hit: 1 });
  });

  it('refuses an empty relevant set rather than dividing by zero', () => {
    expect(() => rankingAt([1], new Set(), 10)).toThrow('no relevant items');
  });

  it('averages per user', () => {
    expect(meanScores([rankingAt([1], new Set([1]), 1), rankingAt([2], new Set([1]), 1)])).toEqual({ precision: 0.5, recall: 0.5, ndcg: 0.5, hit: 0.5 });
  });
});

describe('standardError', () => {
  it('is the sample standard deviation over the square root of n', () => {
    // values 1, 2, 3, 4: mean 2.5, sample variance 5/3
    expect(standardError([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3 / 4), 12);
    expect(standardError([0.3])).toBe(0);
  });
});
