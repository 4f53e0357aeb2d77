/**
 * Streams a MovieLens ratings.csv into the `ratings` topic as Avro RatingEvents keyed by user,
 * in constant memory: lines are parsed in chunks, encoded in batches, and one batch is in
 * flight while the next is prepared. Bad rows go to the rejects file and the replay goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Codec } from '../schemas/avro.ts';
import type { RatingEvent, RatingSource } from '../schemas/types.ts';
import { createProgress, type Progress } from '../lib/progress.ts';
import { createPacer } from './pacer.ts';
import { createRatingBatchEncoder } from './rating-encoder.ts';
import { isHeader, parseRatingLine, ratingEventId, readLines, type RatingRow, type Reject } from './ratings-csv.ts';
import type { RatingSink } from './rating-sink.ts';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../schemas/rating-rule.ts';

export interface ReplayOptions {
  file: string;
  sink: RatingSink;
  codec: Codec<RatingEvent>;
  /** JSON lines, one per rejected row: {line, reason, raw} */
  rejectsFile: string;
  batchSize?: number;
  ratePerSec?: number;
  speedup?: number;
  /** only events with ratedAt >= from (epoch ms) */
  from?: number;
  /** only events with ratedAt < until (epoch ms) */
  until?: number;
  /** stop after this many events */
  limit?: number;
  source?: RatingSource;
  /** a rating dated more than this ahead of the replay's start is a reject (the rating rule) */
  maxFutureSkewMs?: number;
  /**
   * Stamp each event with the time it is sent instead of its own (order kept, spacing the pacer's):
   * a demo replaying old ratings then feeds live event-time windows, as the web page's ratings do.
   */
  stampNow?: boolean;
  /** after each acknowledged batch: how many events, and the file's own time of the last one (to resume from) */
  onSent?: (sent: { count: number; lastRatedAt: number }) => void;
  /** total lines, for the progress bar's percentage (optional) */
  expectedEvents?: number;
  progress?: Progress | false;
  signal?: AbortSignal;
}

export interface ReplaySummary {
  file: string;
  client: string;
  lines: number;
  produced: number;
  rejected: number;
  /** valid rows outside the time slice */
  skipped: number;
  durationMs: number;
  eventsPerSec: number;
  rejectsFile: string;
  stoppedEarly: boolean;
}

export function toRatingEvent(row: RatingRow, source: RatingSource): RatingEvent {
  return {
    eventId: ratingEventId(row.userId, row.movieId, row.ratedAt),
    userId: row.userId,
    movieId: row.movieId,
    rating: row.rating,
    ratedAt: row.ratedAt,
    source,
    action: 'RATE',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function replayRatings(options: ReplayOptions): Promise<ReplaySummary> {
  const { file, sink, codec, rejectsFile, from, until, limit, source = 'REPLAY', signal } = options;
  const pacer = createPacer({ ratePerSec: options.ratePerSec, speedup: options.speedup });
  // a paced replay sends small batches so that events flow evenly
  const batchSize = pacer.active
    ? Math.max(1, Math.min(options.batchSize ?? 10_000, Math.ceil((options.ratePerSec ?? 1000) / 20)))
    : (options.batchSize ?? 10_000);
  const progress =
    options.progress === false
      ? undefined
      : (options.progress ?? createProgress({ label: `replay ${path.basename(file)}`, unit: 'events', total: options.expectedEvents }));

  fs.mkdirSync(path.dirname(rejectsFile), { recursive: true });
  const rejects = fs.createWriteStream(rejectsFile);
  let rejected = 0;
  const reject = (r: Reject) => {
    rejected++;
    rejects.write(`${JSON.stringify(r)}\n`);
  };

  const started = performance.now();
  let lines = 0;
  let produced = 0;
  let skipped = 0;
  let stoppedEarly = false;
  const clock = { nowMs: Date.now(), maxFutureSkewMs: options.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS };
  const encoder = createRatingBatchEncoder(codec, source, batchSize, clock);
  // without a time slice or pacing every line takes the fast path: line → bytes, no parsing into objects
  const filtering = from !== undefined || until !== undefined || pacer.active || options.stampNow === true;
  // sends not yet acknowledged (at most the sink's maxInFlight), and the acknowledgement of the last one
  const inFlight: Promise<void>[] = [];
  let acked: Promise<void> = Promise.resolve();
  // the file's own time of the last event added, and the last stamp given when stamping now
  let lastRatedAt = 0;
  let lastStamp = 0;

  const flush = async () => {
    if (encoder.size === 0) return;
    const records = encoder.take();
    const sent = { count: records.count, lastRatedAt: filtering ? lastRatedAt : encoder.lastRatedAt };
    if (inFlight.length >= sink.maxInFlight) await inFlight.shift();
    // reported in order: a batch counts as sent once it and every batch before it are acknowledged
    acked = Promise.all([acked, sink.send(records)]).then(() => {
      progress?.tick(records.count);
      options.onSent?.(sent);
    });
    acked.catch(() => undefined); // a failure is thrown where it is awaited, not as an unhandled rejection
    inFlight.push(acked);
  };

  try {
    outer: for await (const { first, lines: chunk } of readLines(file)) {
      for (let i = 0; i < chunk.length; i++) {
        const raw = chunk[i]!;
        const lineNo = first + i;
        lines = lineNo;
        if (lineNo === 1 && isHeader(raw)) continue;
        if (raw.length === 0 || raw === '\r') {
          reject({ line: lineNo, reason: 'empty line', raw });
          continue;
        }
        if ((limit !== undefined && produced >= limit) || signal?.aborted) {
          // checked per line: a paced replay reads a chunk of lines in minutes
          stoppedEarly = true;
          break outer;
        }
        if (!filtering) {
          const reason = encoder.add(raw);
          if (reason !== undefined) {
            reject({ line: lineNo, reason, raw });
            continue;
          }
        } else {
          const row = parseRatingLine(raw, clock);
          if (typeof row === 'string') {
            reject({ line: lineNo, reason: row, raw });
            continue;
          }
          if ((from !== undefined && row.ratedAt < from) || (until !== undefined && row.ratedAt >= until)) {
            skipped++;
            continue;
          }
          if (pacer.active) {
            const wait = pacer.dueAt(produced, row.ratedAt) - (performance.now() - started);
            if (wait > 0) {
              await flush();
              await sleep(wait);
            }
          }
          lastRatedAt = row.ratedAt;
          if (options.stampNow) {
            lastStamp = Math.max(lastStamp + 1, Date.now());
            encoder.addRow({ ...row, ratedAt: lastStamp });
          } else encoder.addRow(row);
        }
        produced++;
        if (encoder.size >= batchSize) await flush();
      }
    }
    await flush();
    await acked;
  } finally {
    await new Promise<void>((resolve) => rejects.end(resolve));
  }
  const durationMs = performance.now() - started;
  const summary: ReplaySummary = {
    file,
    client: sink.client,
    lines,
    produced,
    rejected,
    skipped,
    durationMs,
    eventsPerSec: durationMs > 0 ? (produced / durationMs) * 1000 : 0,
    rejectsFile,
    stoppedEarly,
  };
  progress?.done(
    `${rejected.toLocaleString('en-US')} rejected${rejected ? ` (see ${rejectsFile})` : ''}, ${skipped.toLocaleString('en-US')} outside the time slice`,
  );
  return summary;
}
