import { describe, expect, it } from 'vitest';
import { dueAt, dueBy } from './schedule.ts';

describe('bench > schedule', () => {
  it('spaces requests evenly at the rate, from the start', () => {
    expect([0, 1, 2, 4000].map((i) => dueAt(i, 2000))).toEqual([0, 0.5, 1, 2000]);
  });

  it('counts the requests due by a time, whatever was sent before', () => {
    expect(dueBy(-1, 1000, 100)).toBe(0);
    expect(dueBy(0, 1000, 100)).toBe(1);
    expect(dueBy(0.999, 1000, 100)).toBe(1);
    expect(dueBy(1, 1000, 100)).toBe(2);
    expect(dueBy(10.5, 4000, 1000)).toBe(43);
    expect(dueBy(1e9, 1000, 100)).toBe(100);
    // a timer that wakes late sends every request due meanwhile at once; each keeps its own due time
    for (let i = 0; i < 43; i++) expect(dueAt(i, 4000)).toBeLessThanOrEqual(10.5);
  });
});
