import { describe, expect, it } from 'vitest';
import { trimOldest } from './bounded-map.ts';

const filled = (n: number) => new Map(Array.from({ length: n }, (_, i) => [i, i] as const));

describe('trimOldest', () => {
  it('leaves a map within its bound alone', () => {
    const map = filled(10);
    trimOldest(map, 10);
    expect([...map.keys()]).toEqual([...filled(10).keys()]);
  });

  it('drops exactly the oldest entries over the bound of a small map', () => {
    const map = filled(5);
    map.delete(1);
    map.set(1, 1); // used again: now the newest
    map.set(5, 5);
    trimOldest(map, 4);
    expect([...map.keys()]).toEqual([3, 4, 1, 5]);
  });

  it('drops the oldest max/64 more from a large map, in order', () => {
    const map = filled(6401);
    trimOldest(map, 6400);
    expect(map.size).toBe(6300);
    expect(map.has(100)).toBe(false);
    expect(map.has(101)).toBe(true);
    expect([...map.keys()].at(-1)).toBe(6400);
  });

  it('keeps a map that keeps growing within its bound', () => {
    const map = new Map<number, number>();
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      map.set(i, i);
      trimOldest(map, 1000);
      largest = Math.max(largest, map.size);
    }
    expect(largest).toBe(1000);
    expect(map.has(99_999)).toBe(true);
    expect(map.has(98_000)).toBe(false);
  });
});
