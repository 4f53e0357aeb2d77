import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deletionProblem, ratingProblem } from './rating-rule.ts';

interface Case {
  name: string;
  userId: number;
  movieId: number;
  rating: number;
  ratedAtMillis: number;
  valid: boolean;
  reason: string | null;
}
const vectors = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'contracts', 'ratings.json'), 'utf8')) as {
  nowMillis: number;
  maxFutureSkewMillis: number;
  cases: Case[];
  deletions: Case[];
};

/** A case checked by a rule: null when valid, else a reason holding the case's. */
function check(rule: typeof ratingProblem, c: Case) {
  const problem = rule(
    { userId: c.userId, movieId: c.movieId, rating: c.rating, ratedAt: c.ratedAtMillis },
    { nowMs: vectors.nowMillis, maxFutureSkewMs: vectors.maxFutureSkewMillis },
  );
  if (c.valid) expect(problem).toBeNull();
  else expect(problem).toContain(c.reason);
}

describe('the rating rule (the same cases as moviereco.contracts.RatingRule)', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_, c) => check(ratingProblem, c));

  it.each(vectors.deletions.map((c) => [c.name, c] as const))('a deletion: %s', (_, c) => check(deletionProblem, c));

  it('has valid cases and an invalid one for every field', () => {
    const clock = { nowMs: vectors.nowMillis, maxFutureSkewMs: vectors.maxFutureSkewMillis };
    const problems = vectors.cases.map((c) => ratingProblem({ userId: c.userId, movieId: c.movieId, rating: c.rating, ratedAt: c.ratedAtMillis }, clock));
    expect(problems.filter((p) => p === null).length).toBeGreaterThan(2);
    for (const field of ['userId', 'movieId', 'rating', 'ratedAt']) expect(problems.some((p) => p?.startsWith(`${field} `))).toBe(true);
  });
});
