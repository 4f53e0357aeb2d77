import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRatingLine } from '../ratings-csv.ts';
import { parseCsvLine } from './csv.ts';
import { GENRES, ML_32M, ML_LATEST_SMALL, defaultShape, generateDataset, generatedStandIn, ratingsPerUser } from './generator.ts';
import { createRandom } from './random.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-'));
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const lines = (file: string) => fs.readFileSync(file, 'utf8').trimEnd().split('\n');

describe('data > generator', () => {
  it('writes MovieLens files and headers with exactly the requested counts', async () => {
    const out = path.join(root, 'a');
    const summary = await generateDataset({ outDir: out, ratings: 50_000, users: 300, movies: 2_000, seed: 7, progress: false });
    expect(summary).toMatchObject({ ratings: 50_000, users: 300, movies: 2_000 });
    const ratings = lines(path.join(out, 'ratings.csv'));
    expect(ratings[0]).toBe('userId,movieId,rating,timestamp');
    expect(ratings).toHaveLength(50_001);
    expect(lines(path.join(out, 'movies.csv'))[0]).toBe('movieId,title,genres');
    expect(lines(path.join(out, 'movies.csv'))).toHaveLength(2_001);
    expect(lines(path.join(out, 'links.csv'))[0]).toBe('movieId,imdbId,tmdbId');
    expect(lines(path.join(out, 'tags.csv'))[0]).toBe('userId,movieId,tag,timestamp');

    const rows = ratings.slice(1).map((l) => parseRatingLine(l));
    expect(rows.filter((r) => typeof r === 'string')).toEqual([]);
    const valid = rows as Exclude<(typeof rows)[number], string>[];
    // ordered by user, then movie, as MovieLens; every user rates at least 20 movies, none twice
    for (let i = 1; i < valid.length; i++) {
      const [a, b] = [valid[i - 1]!, valid[i]!];
      expect(a.userId < b.userId || (a.userId === b.userId && a.movieId < b.movieId)).toBe(true);
    }
    const perUser = new Map<number, number>();
    for (const r of valid) perUser.set(r.userId, (perUser.get(r.userId) ?? 0) + 1);
    expect(perUser.size).toBe(300);
    expect(Math.min(...perUser.values())).toBeGreaterThanOrEqual(20);
    // ratings: half stars, mean near MovieLens's 3.5, whole stars more common than half stars
    const mean = valid.reduce((s, r) => s + r.rating, 0) / valid.length;
    expect(mean).toBeGreaterThan(3.2);
    expect(mean).toBeLessThan(3.8);
    const whole = valid.filter((r) => r.rating % 1 === 0).length;
    expect(whole / valid.length).toBeGreaterThan(0.55);
    // popularity is skewed: the top 1% of movies get more than 8% of all ratings
    const perMovie = new Map<number, number>();
    for (const r of valid) perMovie.set(r.movieId, (perMovie.get(r.movieId) ?? 0) + 1);
    const top = [...perMovie.values()]
      .sort((a, b) => b - a)
      .slice(0, 20)
      .reduce((s, n) => s + n, 0);
    expect(top / valid.length).toBeGreaterThan(0.08);
    // timestamps within MovieLens's years
    expect(Math.min(...valid.map((r) => r.ratedAt))).toBeGreaterThanOrEqual(Date.UTC(1995, 0, 1));
    expect(Math.max(...valid.map((r) => r.ratedAt))).toBeLessThanOrEqual(Date.UTC(2023, 11, 31));

    // movies: parseable titles with years, known genres, links for every movie
    for (const line of lines(path.join(out, 'movies.csv')).slice(1)) {
      const [id, title, genres] = parseCsvLine(line);
      expect(id).toMatch(/^\d+$/);
      expect(title).toMatch(/\(\d{4}\)$/);
      for (const g of genres!.split('|')) expect([...GENRES, '(no genres listed)']).toContain(g);
    }
  });

  it('is deterministic by seed', async () => {
    const make = (name: string, seed: number) => generateDataset({ outDir: path.join(root, name), ratings: 20_000, seed, progress: false });
    await make('s1', 1);
    await make('s1-again', 1);
    await make('s2', 2);
    for (const f of ['ratings.csv', 'movies.csv', 'tags.csv', 'links.csv']) {
      expect(sha(path.join(root, 's1-again', f))).toBe(sha(path.join(root, 's1', f)));
    }
    expect(sha(path.join(root, 's2', 'ratings.csv'))).not.toBe(sha(path.join(root, 's1', 'ratings.csv')));
  });

  it('plants per-user taste: the two halves of each user’s ratings correlate', async () => {
    // two halves of the same user's ratings correlate through the user's bias and latent vector
    const out = path.join(root, 'taste');
    await generateDataset({ outDir: out, ratings: 40_000, users: 200, movies: 1_500, seed: 3, progress: false });
    const byUser = new Map<number, number[]>();
    for (const line of lines(path.join(out, 'ratings.csv')).slice(1)) {
      const [u, , r] = line.split(',');
      byUser.set(Number(u), [...(byUser.get(Number(u)) ?? []), Number(r)]);
    }
    const halves = [...byUser.values()].map((rs) => [avg(rs.filter((_, i) => i % 2 === 0)), avg(rs.filter((_, i) => i % 2 === 1))] as const);
    expect(
      correlation(
        halves.map((h) => h[0]),
        halves.map((h) => h[1]),
      ),
    ).toBeGreaterThan(0.5);
  });

  it('scales users and movies with the number of ratings, up to ml-32m', () => {
    expect(defaultShape(32_000_204)).toEqual({ users: 200_948, movies: 87_585 });
    const small = defaultShape(100_836);
    expect(small.users).toBeGreaterThan(500);
    expect(small.movies).toBeGreaterThan(4_000);
  });

  it('hands out exactly the total, at least 20 per user, never more than half the movies', () => {
    const counts = ratingsPerUser(123_457, 700, 3_000, createRandom(9));
    expect(counts.reduce((s, n) => s + n, 0)).toBe(123_457);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...counts)).toBeLessThanOrEqual(1_500);
    expect(() => ratingsPerUser(1_000_000, 10, 100, createRandom(1))).toThrow(RangeError);
  });
});

function avg(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function correlation(xs: number[], ys: number[]): number {
  const [mx, my] = [avg(xs), avg(ys)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('data > generator > planted taste', () => {
  /** mean over users of the share of their ratings in their most-rated first genre */
  async function genreFocus(taste: { share: number } | undefined): Promise<number> {
    const out = path.join(root, `taste-${taste?.share ?? 'default'}`);
    await generateDataset({ outDir: out, ratings: 40_000, users: 400, movies: 3_000, seed: 5, progress: false, ...(taste ? { taste } : {}) });
    const genreOf = new Map<number, string>();
    for (const line of lines(path.join(out, 'movies.csv')).slice(1)) {
      const f = parseCsvLine(line);
      genreOf.set(Number(f[0]), f[2]!.split('|')[0]!);
    }
    const perUser = new Map<number, Map<string, number>>();
    for (const line of lines(path.join(out, 'ratings.csv')).slice(1)) {
      const [u, m] = line.split(',').map(Number) as [number, number];
      const counts = perUser.get(u) ?? new Map<string, number>();
      const g = genreOf.get(m)!;
      counts.set(g, (counts.get(g) ?? 0) + 1);
      perUser.set(u, counts);
    }
    let sum = 0;
    for (const counts of perUser.values()) {
      const values = [...counts.values()];
      sum += Math.max(...values) / values.reduce((a, b) => a + b, 0);
    }
    return sum / perUser.size;
  }

  it('users watch more of the genres they lean to than popularity alone would give them', async () => {
    const withTaste = await genreFocus(undefined);
    const popularityOnly = await genreFocus({ share: 0 });
    // the lean makes a user's favourite genre a larger share of what they rated (a movie's first
    // listed genre only roughly follows its taste cluster, so the effect shows diluted here)
    expect(withTaste).toBeGreaterThan(popularityOnly * 1.1); // 0.211 against 0.183 (seeded)
  });
});

describe('generatedStandIn', () => {
  it('stands in for ml-32m with a set of its shape, named as `data generate --preset 32m` names it', () => {
    expect(generatedStandIn('ml-32m')).toEqual({ name: 'generated-32m-s42', preset: '32m', shape: ML_32M });
    expect(generatedStandIn('ml-latest-small')).toEqual({ name: 'generated-small-s42', preset: 'small', shape: ML_LATEST_SMALL });
  });

  it('has none for other sets: the start stops and says how to get them', () => {
    expect(generatedStandIn('ml-25m')).toBeUndefined();
  });
});
