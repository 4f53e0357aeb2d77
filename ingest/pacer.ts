/**
 * Pacing of a replay: a rate limit (events/s), a speed-up relative to the events' own
 * timestamps, or both (the slower wins). Pure: it only says when an event is due.
 */
export interface PaceOptions {
  ratePerSec?: number;
  /** 60 = one hour of original time per minute; needs a file in time order */
  speedup?: number;
}

export interface Pacer {
  readonly active: boolean;
  /** ms after the replay's start at which the `index`-th event (0-based) with this event time is due */
  dueAt(index: number, eventTimeMs: number): number;
}

export function createPacer({ ratePerSec, speedup }: PaceOptions): Pacer {
  let firstEventTime: number | undefined;
  return {
    active: ratePerSec !== undefined || speedup !== undefined,
    dueAt(index, eventTimeMs) {
      let due = 0;
      if (ratePerSec !== undefined) due = (index / ratePerSec) * 1000;
      if (speedup !== undefined) {
        firstEventTime ??= eventTimeMs;
        due = Math.max(due, (eventTimeMs - firstEventTime) / speedup);
      }
      return due;
    },
  };
}
