import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRatingLine } from './ratings-csv.ts';
import { ratingProblem } from '../schemas/rating-rule.ts';

describe('ingest > ratings.csv lines', () => {
  it('parses a MovieLens line, timestamp in seconds to milliseconds', () => {
    expect(parseRatingLine('1,31,2.5,1260759144')).toEqual({ userId: 1, movieId: 31, rating: 2.5, ratedAt: 1_260_759_144_000 });
    expect(parseRatingLine('7,2,5,0\r')).toEqual({ userId: 7, movieId: 2, rating: 5, ratedAt: 0 });
  });

  it.each([
    ['1,31,2.5', 'expected 4 columns (userId,movieId,rating,timestamp), found 3'],
    ['1,31,2.5,1260759144,extra', 'expected 4 columns (userId,movieId,rating,timestamp), found 5'],
    ['x,31,2.5,1260759144', 'userId is not a positive integer: "x"'],
    ['1,-3,2.5,1260759144', 'movieId is not a positive integer: "-3"'],
    ['0,3,2.5,1260759144', 'userId 0 is not in 1..2147483647'],
    ['1,31,good,1260759144', 'rating is not a number: "good"'],
    ['1,31,,1260759144', 'rating is not a number: ""'],
    ['1,31,2.5,yesterday', 'timestamp is not an integer (epoch seconds): "yesterday"'],
    ['1,31,5.5,1260759144', 'rating 5.5 is not 0.5 to 5 in half steps'],
    ['1,31,0,1260759144', 'rating 0 is not 0.5 to 5 in half steps'],
    ['1,31,3.7,1260759144', 'rating 3.7 is not 0.5 to 5 in half steps'],
    ['4294967338,31,3.5,1260759144', 'userId 4294967338 is not in 1..2147483647'],
    ['42,2147483648,3.5,1260759144', 'movieId 2147483648 is not in 1..2147483647'],
  ])('rejects %j: %s', (line, reason) => {
    expect(parseRatingLine(line)).toBe(reason);
  });
});

describe('ingest > fuzzed lines', () => {
  it('random lines, and lines of four random fields, are always a valid row or a reason, never an exception', () => {
    const field = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.double().map(String),
      fc.integer().map(String),
      fc.constantFrom('', '1', '5.0', '4102444800', '2147483648', '-1', '1e3'),
    );
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.array(field, { minLength: 4, maxLength: 4 }).map((f) => f.join(',')),
    );
    const clock = { nowMs: Date.UTC(2026, 10, 30), maxFutureSkewMs: 86_400_000 };
    fc.assert(
      fc.property(line, (l) => {
        const parsed = parseRatingLine(l, clock);
        if (typeof parsed === 'string') expect(parsed.length).toBeGreaterThan(0);
        else expect(ratingProblem(parsed, clock)).toBeNull();
      }),
      { numRuns: 20_000, seed: 20_261_130 },
    );
  });
});
