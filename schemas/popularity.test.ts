import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { byPopularity } from './popularity.ts';

interface Case {
  name: string;
  movies: [number, number, number | null][];
  expected: number[];
}

const { cases } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'contracts', 'popularity.json'), 'utf8')) as { cases: Case[] };

describe('schemas > popular order (contracts/popularity.json, also checked by PopularityTest)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const facts = c.movies.map(([movieId, ratingCount, mean]) => ({ movieId, ratingCount, ratingMean: mean === null ? null : Math.fround(mean) }));
    expect([...facts].sort(byPopularity).map((m) => m.movieId)).toEqual(c.expected);
    expect(
      [...facts]
        .reverse()
        .sort(byPopularity)
        .map((m) => m.movieId),
    ).toEqual(c.expected);
  });
});
