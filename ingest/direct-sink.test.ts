import { describe, expect, it } from 'vitest';
import { heldAlready } from './direct-sink.ts';

describe('direct sink > a batch refused as out of order', () => {
  it('is in the log already when the broker took a later batch of its partition (which it does only in order)', () => {
    // batches of sequences 0-99, 100-199, 200-299: the broker restarted after taking the first two
    // unanswered, knows only the last, and took the third; the first one's retry is refused
    expect(heldAlready(99, 299)).toBe(true);
    expect(heldAlready(299, 299)).toBe(true);
  });

  it('is still waiting for an earlier batch when nothing after it was taken', () => {
    expect(heldAlready(199, 99)).toBe(false);
    expect(heldAlready(0, -1)).toBe(false);
  });
});
