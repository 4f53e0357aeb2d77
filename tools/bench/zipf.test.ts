import { describe, expect, it } from 'vitest';
import { createRandom, createUserPicker, createZipf } from './zipf.ts';

describe('bench > zipf', () => {
  it('draws the same numbers from the same seed, spread over [0, 1)', () => {
    const a = createRandom(9);
    const b = createRandom(9);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('draws rank k about 1/k as often as rank 1 (s = 1)', () => {
    const n = 1000;
    const zipf = createZipf({ n, random: createRandom(1) });
    const counts = new Uint32Array(n + 1);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[zipf()]!++;
    const harmonic = Array.from({ length: n }, (_, k) => 1 / (k + 1)).reduce((s, x) => s + x, 0);
    // P(1) = 1/H(n) ≈ 13.4 %; P(10) ≈ 1.34 %
    expect(counts[1]! / draws).toBeCloseTo(1 / harmonic, 2);
    expect(counts[10]! / draws).toBeCloseTo(1 / (10 * harmonic), 2);
    expect(counts[0]).toBe(0);
    expect(counts.slice(1).every((c) => c >= 0)).toBe(true);
    expect(() => createZipf({ n: 0, random: Math.random })).toThrow(RangeError);
  });

  it('picks known users with a skew and a fifth unknown ones above them', () => {
    const pick = createUserPicker({ users: 200_948, seed: 3 });
    const draws = Array.from({ length: 50_000 }, pick);
    const unknown = draws.filter((u) => u > 200_948);
    expect(unknown.length / draws.length).toBeCloseTo(0.2, 1);
    const known = draws.filter((u) => u <= 200_948);
    expect(Math.min(...known)).toBeGreaterThanOrEqual(1);
    const counts = new Map<number, number>();
    for (const u of known) counts.set(u, (counts.get(u) ?? 0) + 1);
    // skewed: the busiest user asks hundreds of times, and far fewer distinct users than draws
    expect(Math.max(...counts.values())).toBeGreaterThan(500);
    expect(counts.size).toBeLessThan(known.length / 2);
    // the busiest user is not simply id 1
    expect([...counts].sort((a, b) => b[1] - a[1])[0]![0]).not.toBe(1);
    expect(createUserPicker({ users: 610, seed: 3 })()).toBe(createUserPicker({ users: 610, seed: 3 })());
  });
});
