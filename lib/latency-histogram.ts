/**
 * A latency histogram of fixed, log-spaced buckets (HdrHistogram's idea, small): recording is one
 * logarithm and one increment, memory is fixed whatever the number of samples, and a percentile is
 * read back within the chosen relative precision. The API's last-minute summary keeps a ring of
 * them (serving/metrics.ts) and the load generator of `npm run bench:api` one per step.
 */

export interface LatencyHistogram {
  /** one sample in milliseconds; below minMs counts as minMs, above maxMs as maxMs */
  record(ms: number): void;
  /** adds every sample of `other` (same bounds and precision) */
  add(other: LatencyHistogram): void;
  reset(): void;
  readonly count: number;
  readonly maxMs: number;
  /**
   * The p-quantile (0 < p ≤ 1) in ms: the upper bound of the bucket holding the ⌈p·count⌉-th
   * smallest sample, so never below the true value and at most `precision` above it; 0 if empty.
   */
  percentile(p: number): number;
  /** the raw counts, for `add` and for shipping a histogram as JSON */
  readonly buckets: Uint32Array;
}

export function createLatencyHistogram({
  minMs = 0.01,
  maxMs = 120_000,
  precision = 0.01,
}: {
  minMs?: number;
  maxMs?: number;
  precision?: number;
} = {}): LatencyHistogram {
  if (!(minMs > 0 && maxMs > minMs && precision > 0)) throw new RangeError(`invalid histogram bounds: minMs ${minMs}, maxMs ${maxMs}, precision ${precision}`);
  const logBase = Math.log1p(precision);
  // bucket i holds (minMs·(1+precision)^(i-1), minMs·(1+precision)^i]; bucket 0 everything ≤ minMs
  const size = Math.ceil(Math.log(maxMs / minMs) / logBase) + 1;
  const buckets = new Uint32Array(size);
  let count = 0;
  let max = 0;
  const upper = (i: number) => Math.min(maxMs, minMs * Math.exp(i * logBase));

  const histogram: LatencyHistogram = {
    record(ms) {
      const i = ms <= minMs ? 0 : Math.min(size - 1, Math.ceil(Math.log(ms / minMs) / logBase - 1e-9));
      buckets[i]!++;
      count++;
      if (ms > max) max = ms;
    },
    add(other) {
      if (other.buckets.length !== size) throw new RangeError('histograms of different shapes cannot be added');
      for (let i = 0; i < size; i++) buckets[i]! += other.buckets[i]!;
      count += other.count;
      if (other.maxMs > max) max = other.maxMs;
    },
    reset() {
      buckets.fill(0);
      count = 0;
      max = 0;
    },
    get count() {
      return count;
    },
    get maxMs() {
      return max;
    },
    percentile(p) {
      if (count === 0) return 0;
      const rank = Math.max(1, Math.ceil(p * count));
      let seen = 0;
      for (let i = 0; i < size; i++) {
        seen += buckets[i]!;
        // the top bucket's bound would overstate the slowest sample: report the sample itself
        if (seen >= rank) return Math.min(upper(i), max);
      }
      return max;
    },
    buckets,
  };
  return histogram;
}
