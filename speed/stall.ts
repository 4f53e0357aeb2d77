/**
 * The sign of a stalled sink in the speed job: valid ratings keep arriving while no user_ratings
 * row is written. Every rating that changes a user's history writes one, so over a window with new
 * valid ratings and no row written the sink is stuck (or every rating was a replay of one already
 * applied, which this cannot tell apart: hence "possibly"). Pure; `sinkProgress` in the control
 * plane takes the samples.
 */

/** Counters of one run of the speed job (they restart at zero when the job restarts). */
export interface SinkSample {
  /** `decode.ratingsValid`, summed over subtasks */
  valid: number;
  /** `user-writes: Writer`'s `cassandraRowsWritten` (user_ratings and speed rows), summed over subtasks */
  written: number;
  /** epoch ms */
  at: number;
}

/** An alarm line when ratings rose and rows stayed flat between two samples of the same run; undefined when healthy. */
export function sinkStall(before: SinkSample, after: SinkSample): string | undefined {
  const valid = after.valid - before.valid;
  const written = after.written - before.written;
  if (valid < 0 || written < 0) return undefined; // the job restarted between the samples: counters began again
  if (valid > 0 && written === 0) {
    return `possibly stalled: ${valid} valid ratings and no user_ratings row written in ${((after.at - before.at) / 1000).toFixed(1)} s (the Cassandra sink waits; see the job's exceptions)`;
  }
  return undefined;
}
