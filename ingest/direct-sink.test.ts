import { describe, expect, it } from 'vitest';
import { aheadOfFirstBatch, heldAlready, type Sealed, takeAnswers } from './direct-sink.ts';

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

describe("direct sink > a send behind a partition's first batch", () => {
  const batch = (first: number, last: number): Sealed => ({ batch: Buffer.alloc(0), first, last });

  it('waits while that first batch is not acknowledged (the broker would take a later one as the first)', () => {
    // partition 3's first batch (0-276) is out; the next send carries 277-323
    expect(aheadOfFirstBatch(new Map([[3, batch(277, 323)]]), [-1, -1, -1, -1])).toBe(true);
    expect(
      aheadOfFirstBatch(
        new Map([
          [0, batch(0, 9)],
          [3, batch(277, 323)],
        ]),
        [99, -1, -1, -1],
      ),
    ).toBe(true);
  });

  it('goes at once with a first batch, or once each partition it writes has one acknowledged', () => {
    expect(aheadOfFirstBatch(new Map([[3, batch(0, 276)]]), [-1, -1, -1, -1])).toBe(false);
    expect(aheadOfFirstBatch(new Map([[3, batch(277, 323)]]), [-1, -1, -1, 276])).toBe(false);
    // another partition's first batch still out does not hold this one
    expect(aheadOfFirstBatch(new Map([[3, batch(600, 700)]]), [-1, -1, -1, 276])).toBe(false);
  });
});

describe('direct sink > the broker answers to a Produce request', () => {
  const sealed = (first: number, last: number): Sealed => ({ batch: Buffer.alloc(0), first, last });
  const answer = (partition: number, errorCode: number) => ({ partition, errorCode, errorMessage: null });

  it('takes what the broker holds (taken, duplicate, out of order after every earlier sequence) and moves the acknowledged sequence', () => {
    const pending = new Map([
      [0, sealed(100, 199)],
      [1, sealed(100, 149)],
      [2, sealed(50, 99)],
    ]);
    const ackedThrough = [99, 99, 49];
    const failures = takeAnswers([answer(0, 0), answer(1, 46), answer(2, 45)], pending, ackedThrough);
    expect(failures).toEqual([]);
    expect(pending.size).toBe(0);
    expect(ackedThrough).toEqual([199, 149, 99]);
  });

  it('keeps the rest pending: out of order behind an unacknowledged batch and a moved leader are retriable, a batch too large is not', () => {
    const pending = new Map([
      [0, sealed(200, 299)],
      [1, sealed(0, 9)],
      [2, sealed(0, 9)],
    ]);
    const ackedThrough = [99, -1, -1];
    const failures = takeAnswers([answer(0, 45), answer(1, 6), answer(2, 10)], pending, ackedThrough);
    expect([...pending.keys()]).toEqual([0, 1, 2]);
    expect(ackedThrough).toEqual([99, -1, -1]);
    expect(failures.map((f) => [f.message, f.retriable])).toEqual([
      ['partition 0: OUT_OF_ORDER_SEQUENCE_NUMBER', true],
      ['partition 1: NOT_LEADER_OR_FOLLOWER', true],
      ['partition 2: MESSAGE_TOO_LARGE', false],
    ]);
  });
});
