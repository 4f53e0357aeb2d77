/**
 * The open-loop schedule: request i of a step at a fixed rate is due at i·1000/rate ms after the
 * step's start, whatever happened to the requests before it. Its latency is measured from that
 * due time, so time a request spends waiting because the server (or the generator) fell behind
 * counts against it (no coordinated omission).
 */

export function dueAt(i: number, rate: number): number {
  return (i * 1000) / rate;
}

/** how many requests are due by `elapsedMs` after the start (request 0 is due at 0), at most `total` */
export function dueBy(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}
