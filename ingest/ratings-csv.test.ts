import { describe, expect, it } from 'vitest';
import { parseRatingLine } from './ratings-csv.ts';

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
