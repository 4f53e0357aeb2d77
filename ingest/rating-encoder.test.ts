import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRandom } from './datasets/random.ts';
import { createCodec } from '../schemas/avro.ts';
import { createRatingBatchEncoder } from './rating-encoder.ts';
import { keyedRecords } from './rating-sink.ts';
import { toRatingEvent } from './replay.ts';
import { parseRatingLine } from './ratings-csv.ts';
import type { RatingClock } from '../schemas/rating-rule.ts';

const codec = createCodec('rating-event');

/** What the straightforward path makes of a line: parse, build the event, encode with avsc. */
function reference(line: string, clock?: RatingClock): { key: string; value: string } | string {
  const row = parseRatingLine(line, clock);
  if (typeof row === 'string') return row;
  return { key: String(row.userId), value: codec.encode(toRatingEvent(row, 'REPLAY')).toString('hex') };
}

function fast(lines: string[], clock?: RatingClock): ({ key: string; value: string } | string)[] {
  const encoder = createRatingBatchEncoder(codec, 'REPLAY', 4, clock);
  const results: ({ key: string; value: string } | string | undefined)[] = lines.map((l) => encoder.add(l));
  const records = keyedRecords(encoder.take());
  let next = 0;
  return results.map((r) => {
    if (r !== undefined) return r;
    const rec = records[next++]!;
    return { key: rec.key.toString(), value: rec.value.toString('hex') };
  });
}

describe('ingest > fast line encoder', () => {
  it('makes the same bytes as avsc, and the same rejects, for random good and bad lines', () => {
    const random = createRandom(1);
    const pick = <T>(xs: T[]) => xs[random.int(xs.length)]!;
    const lines = Array.from({ length: 5000 }, () => {
      const user = pick(['1', '42', '200948', '007', '0', '-1', 'x', '2147483647', '2147483648', '4294967338', '123456789012345', '1234567890123456']);
      const movie = pick(['31', '209171', '1', '0', '', '4.5', '2147483648']);
      const rating = pick(['0.5', '1.0', '2.5', '3', '4.5', '5.0', '5.5', '0', '3.7', '3.:', '4.50', '.5', '', 'x']);
      const ts = pick(['964982703', '0', '1697164224', '-5', '99999999999', '9999999999999', 'now', '']);
      const line = [user, movie, rating, ts].slice(0, random.next() < 0.05 ? 3 : 4).join(',') + (random.next() < 0.1 ? '\r' : '');
      return random.next() < 0.02 ? `${line},extra` : line;
    });
    expect(fast(lines)).toEqual(lines.map((l) => reference(l)));
    // with this machine's clock: times beyond now plus the skew are rejects on both paths
    const clock = { nowMs: 1_700_000_000_000, maxFutureSkewMs: 300_000 };
    const judged = fast(lines, clock);
    expect(judged).toEqual(lines.map((l) => reference(l, clock)));
    expect(judged.filter((r) => typeof r === 'string' && r.includes('in the future')).length).toBeGreaterThan(20);
  });

  it('agrees with avsc on the first 20,000 lines of ml-latest-small', () => {
    const lines = fs
      .readFileSync(new URL('../../shared/datasets/ml-latest-small/ratings.csv', import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 20_001);
    expect(fast(lines)).toEqual(lines.map((l) => reference(l)));
  });

  it('decodes back to the event with the derived eventId, keyed by user', () => {
    const encoder = createRatingBatchEncoder(codec, 'REPLAY', 2);
    encoder.add('610,170875,3.0,1493846415');
    const [record] = keyedRecords(encoder.take());
    expect(record!.key.toString()).toBe('610');
    expect(codec.decode(record!.value)).toEqual({
      eventId: '610:170875:1493846415000',
      userId: 610,
      movieId: 170_875,
      rating: 3,
      ratedAt: 1_493_846_415_000,
      source: 'REPLAY',
      action: 'RATE',
    });
  });

  it('grows past its capacity, and a batch in flight is untouched by the next one', () => {
    const encoder = createRatingBatchEncoder(codec, 'REPLAY', 1);
    for (let i = 1; i <= 50; i++) expect(encoder.add(`${i},${i},4.0,1000`)).toBeUndefined();
    const first = keyedRecords(encoder.take());
    for (let i = 0; i < 60; i++) encoder.add('99,99,1.0,1');
    const second = keyedRecords(encoder.take());
    expect(first.map((r) => codec.decode(r.value).userId)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(first.map((r) => r.key.toString())).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    expect(second.map((r) => codec.decode(r.value).userId)).toEqual(Array(60).fill(99));
  });
});
