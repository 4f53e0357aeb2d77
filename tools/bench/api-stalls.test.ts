import { describe, expect, it } from 'vitest';
import { stallsBetween } from './api-stalls.ts';

const metrics = ({ lag, gcMinor, gcMajor, misses, under20, count }: Record<string, number>) =>
  [
    `nodejs_eventloop_lag_max_seconds ${lag}`,
    `nodejs_gc_duration_seconds_sum{kind="minor"} ${gcMinor}`,
    `nodejs_gc_duration_seconds_sum{kind="major"} ${gcMajor}`,
    `api_speed_view_misses ${misses}`,
    `http_request_duration_seconds_bucket{le="0.02",route="/users/:id/recommendations"} ${under20}`,
    `http_request_duration_seconds_count{route="/users/:id/recommendations"} ${count}`,
    'http_request_duration_seconds_bucket{le="0.02",route="/health"} 900',
    'http_request_duration_seconds_count{route="/health"} 1000',
  ].join('\n');

describe('bench > api-stalls', () => {
  it("gives a step's run-queue wait, loop delay max, GC time, reads and slow share from two samples", () => {
    const start = { waitMs: 1000, text: metrics({ lag: 0.5, gcMinor: 1, gcMajor: 2, misses: 100, under20: 5000, count: 5000 }) };
    const end = { waitMs: 1250, text: metrics({ lag: 0.034, gcMinor: 1.2, gcMajor: 2.1, misses: 140, under20: 14_990, count: 15_000 }) };
    const stalls = stallsBetween(start, end, 'recommendations');
    expect(stalls.runQueueWaitMs).toBe(250);
    // the lag max is the end scrape's: the start scrape reset it
    expect(stalls.loopDelayMaxMs).toBeCloseTo(34, 6);
    expect(stalls.gcMs).toBeCloseTo(300, 6);
    expect(stalls.speedReads).toBe(40);
    // 10 of the step's 10,000 answers over 20 ms
    expect(stalls.slowShare).toBeCloseTo(0.001, 9);
    // another route's histogram is not mixed in: no /health answers in the step
    expect(stallsBetween(start, end, 'health').slowShare).toBeUndefined();
  });

  it('says nothing when a scrape failed, and no wait when the process could not be read', () => {
    const ok = { waitMs: 1, text: metrics({ lag: 0, gcMinor: 0, gcMajor: 0, misses: 0, under20: 0, count: 0 }) };
    expect(stallsBetween(ok, { waitMs: 2, text: '' }, 'health')).toEqual({});
    expect(stallsBetween(undefined, ok, 'health')).toEqual({});
    expect(stallsBetween({ text: ok.text }, ok, 'health').runQueueWaitMs).toBeUndefined();
  });
});
