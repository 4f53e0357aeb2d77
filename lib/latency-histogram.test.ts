import { describe, expect, it } from 'vitest';
import { createLatencyHistogram } from './latency-histogram.ts';

/** the exact quantile of a sorted array, by the same rank rule (the ⌈p·n⌉-th smallest) */
const exact = (sorted: number[], p: number) => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;

describe('lib > latency-histogram', () => {
  it('is empty at first and after reset', () => {
    const h = createLatencyHistogram();
    expect([h.count, h.percentile(0.5), h.maxMs]).toEqual([0, 0, 0]);
    h.record(3);
    h.reset();
    expect([h.count, h.percentile(0.99)]).toEqual([0, 0]);
  });

  it('reads percentiles back never below and at most the precision above the exact value', () => {
    const h = createLatencyHistogram({ precision: 0.01 });
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const samples = Array.from({ length: 20_000 }, () => 0.2 + 50 * random() ** 4);
    for (const s of samples) h.record(s);
    const sorted = [...samples].sort((a, b) => a - b);
    expect(h.count).toBe(samples.length);
    for (const p of [0.5, 0.9, 0.99, 0.999, 1]) {
      const want = exact(sorted, p);
      expect(h.percentile(p), `p${p}`).toBeGreaterThanOrEqual(want);
      expect(h.percentile(p), `p${p}`).toBeLessThanOrEqual(want * 1.01 + 1e-9);
    }
    expect(h.percentile(1)).toBe(sorted.at(-1));
  });

  it('a single slow sample is the p99.9 of a thousand but not their p99', () => {
    const h = createLatencyHistogram();
    for (let i = 0; i < 999; i++) h.record(1);
    h.record(250);
    expect(h.percentile(0.99)).toBeCloseTo(1, 1);
    expect(h.percentile(0.999)).toBeCloseTo(1, 1);
    expect(h.percentile(1)).toBe(250);
    h.record(250);
    expect(h.percentile(0.999)).toBe(250);
  });

  it('clamps samples outside its bounds and adds histograms of the same shape', () => {
    const a = createLatencyHistogram({ minMs: 0.1, maxMs: 1000 });
    const b = createLatencyHistogram({ minMs: 0.1, maxMs: 1000 });
    a.record(0);
    a.record(0.05);
    b.record(5000);
    a.add(b);
    expect(a.count).toBe(3);
    expect(a.percentile(0.5)).toBeCloseTo(0.1, 5);
    expect(a.percentile(1)).toBe(1000);
    expect(() => a.add(createLatencyHistogram())).toThrow(RangeError);
    expect(() => createLatencyHistogram({ minMs: 0 })).toThrow(RangeError);
  });
});
