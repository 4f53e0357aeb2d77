import { describe, expect, it } from 'vitest';
import { createPacer } from './pacer.ts';

describe('ingest > pacer', () => {
  it('is inactive without a rate or speed-up', () => {
    expect(createPacer({}).active).toBe(false);
  });

  it('spaces events by the rate limit', () => {
    const pacer = createPacer({ ratePerSec: 500 });
    expect([0, 1, 500, 1000].map((i) => pacer.dueAt(i, 0))).toEqual([0, 2, 1000, 2000]);
  });

  it('follows the original timestamps, sped up, from the first event', () => {
    const pacer = createPacer({ speedup: 3600 });
    const t0 = 1_000_000_000_000;
    expect(pacer.dueAt(0, t0)).toBe(0);
    expect(pacer.dueAt(1, t0 + 3_600_000)).toBe(1000); // an hour later → a second later
    expect(pacer.dueAt(2, t0 - 60_000)).toBeLessThanOrEqual(0); // out of order: due at once
  });

  it('with both, the slower of the two wins', () => {
    const pacer = createPacer({ ratePerSec: 10, speedup: 1000 });
    const t0 = 0;
    expect(pacer.dueAt(0, t0)).toBe(0);
    expect(pacer.dueAt(1, 10)).toBe(100); // rate: 100 ms; speed-up: 0.01 ms
    expect(pacer.dueAt(2, 1_000_000)).toBe(1000); // speed-up: 1000 ms; rate: 200 ms
  });
});
