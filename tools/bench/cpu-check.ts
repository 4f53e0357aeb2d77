/**
 * The machine's speed at the moment: the time of a fixed CPU workload (SHA-256 of 100,000 short
 * strings and a JSON round trip of 20,000 objects), the median of three, in the bench's own
 * process. Printed beside a benchmark's figures so that runs of different days compare: the same
 * code ran about twice as slowly on some afternoons as on a quiet morning (docs/benchmarks.md).
 */
import { createHash } from 'node:crypto';

export function cpuCheckMs(): number {
  const times = [0, 1, 2].map(() => {
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) createHash('sha256').update(`check-${i}`).digest();
    const objects = Array.from({ length: 20_000 }, (_, i) => ({ movieId: i, title: `Movie ${i}`, score: i / 7, genres: ['Drama', 'Comedy'] }));
    JSON.parse(JSON.stringify(objects));
    return performance.now() - started;
  });
  return times.sort((a, b) => a - b)[1]!;
}
