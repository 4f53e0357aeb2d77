import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCodec } from '../schemas/avro.ts';
import type { RatingEvent } from '../schemas/types.ts';
import { keyedRecords, type KeyedRecord, type RatingSink, type Records } from './rating-sink.ts';
import { replayRatings, type ReplayOptions } from './replay.ts';

const codec = createCodec('rating-event');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));

/** A test double behind the same interface as the Kafka sinks: keeps what it is sent. */
function memorySink(): RatingSink & { records: KeyedRecord[]; batches: number } {
  const records: KeyedRecord[] = [];
  const sink = {
    client: 'kafkajs' as const,
    maxInFlight: 1,
    records,
    batches: 0,
    async send(batch: Records) {
      sink.batches++;
      records.push(...keyedRecords(batch));
    },
    async close() {},
  };
  return sink;
}

function csv(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function replay(file: string, options: Partial<ReplayOptions> = {}) {
  const sink = memorySink();
  const rejectsFile = path.join(dir, `${path.basename(file)}.rejects.jsonl`);
  const summary = await replayRatings({ file, sink, codec, rejectsFile, progress: false, ...options });
  const events = sink.records.map((r) => ({ key: r.key.toString(), event: codec.decode(r.value) as RatingEvent }));
  const rejects = fs
    .readFileSync(rejectsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { line: number; reason: string; raw: string });
  return { summary, events, rejects, sink };
}

describe('ingest > replay', () => {
  it('sends every valid row as a RatingEvent keyed by user; bad rows go to the rejects file with line and reason', async () => {
    const file = csv('mixed.csv', [
      'userId,movieId,rating,timestamp',
      '1,1,4.0,964982703',
      '1,3,4.5,964981247',
      '1,6', // 4
      '2,x,3.0,964982224', // 5
      '', // 6
      '2,47,5.5,964983815', // 7
      '2,50,3.3,964982931', // 8
      '3,70,3.0,964982400',
      '3,101,5.0,964980868,oops', // 10
    ]);
    const { summary, events, rejects } = await replay(file);
    expect(events.map((e) => [e.key, e.event.eventId])).toEqual([
      ['1', '1:1:964982703000'],
      ['1', '1:3:964981247000'],
      ['3', '3:70:964982400000'],
    ]);
    expect(events[1]!.event).toEqual({
      eventId: '1:3:964981247000',
      userId: 1,
      movieId: 3,
      rating: 4.5,
      ratedAt: 964_981_247_000,
      source: 'REPLAY',
      action: 'RATE',
    });
    expect(rejects).toEqual([
      { line: 4, reason: 'expected 4 columns (userId,movieId,rating,timestamp), found 2', raw: '1,6' },
      { line: 5, reason: 'movieId is not a positive integer: "x"', raw: '2,x,3.0,964982224' },
      { line: 6, reason: 'empty line', raw: '' },
      { line: 7, reason: 'rating 5.5 is not 0.5 to 5 in half steps', raw: '2,47,5.5,964983815' },
      { line: 8, reason: 'rating 3.3 is not 0.5 to 5 in half steps', raw: '2,50,3.3,964982931' },
      { line: 10, reason: 'expected 4 columns (userId,movieId,rating,timestamp), found 5', raw: '3,101,5.0,964980868,oops' },
    ]);
    expect(summary).toMatchObject({ lines: 10, produced: 3, rejected: 6, skipped: 0, stoppedEarly: false });
  });

  it('keeps only the time slice [from, until) and stops at the limit', async () => {
    const lines = ['userId,movieId,rating,timestamp', ...Array.from({ length: 100 }, (_, i) => `${i + 1},1,3.0,${1000 + i}`)];
    const file = csv('slice.csv', lines);
    const sliced = await replay(file, { from: 1010_000, until: 1020_000 });
    expect(sliced.events.map((e) => e.event.userId)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(sliced.summary.skipped).toBe(90);
    const limited = await replay(file, { limit: 7, batchSize: 3 });
    expect(limited.events.map((e) => e.event.userId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(limited.sink.batches).toBe(3);
    expect(limited.summary.stoppedEarly).toBe(true);
  });

  it('a rate limit spreads the events over time', async () => {
    const file = csv(
      'paced.csv',
      Array.from({ length: 40 }, (_, i) => `${i + 1},1,3.0,${1000 + i}`),
    );
    const started = performance.now();
    const { events } = await replay(file, { ratePerSec: 200 });
    // 40 events at 200/s: the 40th is due 195 ms after the first
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(events).toHaveLength(40);
  });

  it('with several sends in flight, acknowledged out of order, it reports batches in file order and keeps at most maxInFlight outstanding', async () => {
    const lines = ['userId,movieId,rating,timestamp', ...Array.from({ length: 100 }, (_, i) => `${i + 1},1,3.0,${1000 + i}`)];
    const file = csv('pipelined.csv', lines);
    let outstanding = 0;
    let most = 0;
    const received: number[] = [];
    const sink: RatingSink = {
      client: 'direct',
      maxInFlight: 3,
      async send(records) {
        outstanding++;
        most = Math.max(most, outstanding);
        const batch = keyedRecords(records).map((r) => codec.decode(r.value).userId);
        // later batches are acknowledged first
        await new Promise((resolve) => setTimeout(resolve, 30 - (batch[0]! % 30)));
        received.push(...batch);
        outstanding--;
      },
      async close() {},
    };
    const sent: { count: number; lastRatedAt: number }[] = [];
    const summary = await replayRatings({
      file,
      sink,
      codec,
      rejectsFile: path.join(dir, 'pipelined.rejects.jsonl'),
      progress: false,
      batchSize: 10,
      onSent: (x) => sent.push(x),
    });
    expect(summary.produced).toBe(100);
    expect(most).toBe(3);
    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(received).not.toEqual([...received].sort((a, b) => a - b)); // they did come back out of order
    // the resume point only moves forward: each report covers its batch and every earlier one
    expect(sent.map((x) => x.lastRatedAt)).toEqual(Array.from({ length: 10 }, (_, i) => (1000 + i * 10 + 9) * 1000));
  });

  it('a send that fails fails the replay, even with later sends in flight', async () => {
    const file = csv('failing.csv', ['userId,movieId,rating,timestamp', ...Array.from({ length: 50 }, (_, i) => `${i + 1},1,3.0,${1000 + i}`)]);
    let sends = 0;
    const sink: RatingSink = {
      client: 'direct',
      maxInFlight: 3,
      async send() {
        if (++sends === 2) throw new Error('broker said no');
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      async close() {},
    };
    await expect(replayRatings({ file, sink, codec, rejectsFile: path.join(dir, 'failing.rejects.jsonl'), progress: false, batchSize: 10 })).rejects.toThrow(
      'broker said no',
    );
  });

  it('a file without header and with Windows line ends is read the same way', async () => {
    const file = path.join(dir, 'crlf.csv');
    fs.writeFileSync(file, '5,10,2.0,100\r\n6,11,3.5,200\r\n');
    const { events, rejects } = await replay(file);
    expect(events.map((e) => e.event.eventId)).toEqual(['5:10:100000', '6:11:200000']);
    expect(rejects).toEqual([]);
  });
});

describe('ingest > replay stamped now', () => {
  it('stamps events with the time they are sent, in order, and reports the file time to resume from', async () => {
    const file = csv('stamped.csv', ['userId,movieId,rating,timestamp', '1,10,4.0,1500000000', '1,11,3.5,1500000100', '2,12,5.0,1500000200']);
    const sent: { count: number; lastRatedAt: number }[] = [];
    const before = Date.now();
    const { events, summary } = await replay(file, { stampNow: true, ratePerSec: 1000, onSent: (s) => sent.push(s) });
    const times = events.map((e) => e.event.ratedAt);
    expect(summary.produced).toBe(3);
    // events sent within one millisecond are stamped a millisecond apart, so the last may lead the clock by a few ms
    expect(times.every((t) => t >= before && t <= Date.now() + times.length)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(3);
    // identity follows the stamp: each replay is a stream of new ratings
    expect(events[0]!.event.eventId).toBe(`1:10:${times[0]}`);
    expect(sent.reduce((n, s) => n + s.count, 0)).toBe(3);
    expect(sent.at(-1)!.lastRatedAt).toBe(1_500_000_200_000);
  });
});
