import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { choleskySolve, createFoldInModel, foldIn, recommendFolded } from './fold-in.ts';

const file = path.resolve(import.meta.dirname, '..', 'schemas', 'contracts', 'fold-in.json');
const vectors = JSON.parse(fs.readFileSync(file, 'utf8')) as {
  cases: {
    name: string;
    model: Record<string, unknown> & { rank: number; ids: number[]; itemBias: number[]; factors: number[]; implicit: boolean };
    ratings: [number, number][];
    limit: number;
    expected: { n: number; bias: number; x: number[]; ids: number[]; scores: number[] };
  }[];
};
const num = (v: unknown) => (v === 'NaN' ? Number.NaN : (v as number));

describe('serving > fold-in, as the speed layer does it', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('the shared vector %s', (_, c) => {
    const m = createFoldInModel({
      rank: c.model.rank,
      ids: Int32Array.from(c.model.ids),
      itemBias: Float32Array.from(c.model.itemBias),
      factors: Float32Array.from(c.model.factors),
      globalMean: num(c.model.globalMean),
      reg: num(c.model.reg),
      userBiasDamping: num(c.model.userBiasDamping),
      implicit: c.model.implicit,
      alpha: num(c.model.alpha),
    });
    const ratings = c.ratings.map(([movieId, rating]) => ({ movieId, rating }));
    const u = foldIn(m, ratings);
    expect(u.n).toBe(c.expected.n);
    expect(u.bias).toBeCloseTo(c.expected.bias, 9);
    for (const [p, x] of Array.from(u.x).entries()) expect(x).toBeCloseTo(c.expected.x[p]!, 9);
    const top = recommendFolded(m, u, { limit: c.limit, exclude: new Set(c.ratings.map(([id]) => id)) });
    expect(top.map((t) => t.movieId)).toEqual(c.expected.ids);
    expect(top.map((t) => t.score)).toEqual(c.expected.scores);
  });

  it('solves a system Gauss-Jordan agrees with, and refuses one not positive definite', () => {
    const a = Float64Array.from([4, 0, 0, 2, 3, 0, 0.5, 1, 2]);
    const b = Float64Array.from([1, 2, 3]);
    choleskySolve(a, b, 3);
    // A = [[4,2,.5],[2,3,1],[.5,1,2]]: A x = (1,2,3)
    const full = [
      [4, 2, 0.5],
      [2, 3, 1],
      [0.5, 1, 2],
    ];
    for (const [i, row] of full.entries()) expect(row.reduce((s, v, j) => s + v * b[j]!, 0)).toBeCloseTo([1, 2, 3][i]!, 12);
    expect(() => choleskySolve(Float64Array.from([1, 0, 2, 1]), Float64Array.from([1, 1]), 2)).toThrow(/positive definite/);
  });

  it('top-N: the best first, equal scores the smaller id first, excluded and refused movies skipped', () => {
    const m = createFoldInModel({
      rank: 1,
      ids: Int32Array.from([5, 4, 3, 2, 1]),
      itemBias: new Float32Array(5),
      factors: Float32Array.from([1, 2, 2, 3, 0]),
      globalMean: 0,
      reg: 0.1,
      userBiasDamping: Number.NaN,
      implicit: false,
      alpha: Number.NaN,
    });
    const u = { bias: 0, x: Float64Array.from([1]), n: 1 };
    expect(recommendFolded(m, u, { limit: 3, exclude: new Set() }).map((t) => t.movieId)).toEqual([2, 3, 4]);
    expect(recommendFolded(m, u, { limit: 3, exclude: new Set([2]), keep: (id) => id !== 3 }).map((t) => t.movieId)).toEqual([4, 5, 1]);
  });
});
