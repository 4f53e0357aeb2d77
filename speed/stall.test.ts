import { describe, expect, it } from 'vitest';
import { sinkStall } from './stall.ts';

describe('speed > sink stall alarm', () => {
  it('alarms when valid ratings rise and no row is written', () => {
    expect(sinkStall({ valid: 100, written: 80, at: 0 }, { valid: 130, written: 80, at: 3000 })).toBe(
      "possibly stalled: 30 valid ratings and no user_ratings row written in 3.0 s (the Cassandra sink waits; see the job's exceptions)",
    );
  });

  it('is quiet while rows follow the ratings, and while nothing arrives', () => {
    expect(sinkStall({ valid: 100, written: 80, at: 0 }, { valid: 130, written: 95, at: 3000 })).toBeUndefined();
    expect(sinkStall({ valid: 100, written: 80, at: 0 }, { valid: 100, written: 80, at: 3000 })).toBeUndefined();
  });

  it('says nothing across a restart, whose counters begin again', () => {
    expect(sinkStall({ valid: 100, written: 80, at: 0 }, { valid: 5, written: 0, at: 3000 })).toBeUndefined();
  });
});
