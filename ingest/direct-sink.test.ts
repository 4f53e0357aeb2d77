import { describe, expect, it } from 'vitest';
import { heldAlready } from './direct-sink.ts';

describe('direct sink > a batch refused as out of order', () => {
  it('is in the log already when every earlier batch of its partition is acknowledged (the broker takes batches only in order)', () => {
    // batches of sequences 0-99, 100-199, 200-299: the broker restarted after taking all three
    // unanswered and knows only the last; the first one's retry is refused, then the second's
    expect(heldAlready(0, -1)).toBe(true);
    expect(heldAlready(100, 99)).toBe(true);
    // the third was answered before the first two were sent again
    expect(heldAlready(100, 299)).toBe(true);
  });

  it('is waiting for an earlier batch when one before it is not acknowledged', () => {
    expect(heldAlready(200, 99)).toBe(false);
    expect(heldAlready(100, -1)).toBe(false);
  });
});
