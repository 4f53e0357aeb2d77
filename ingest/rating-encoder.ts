/**
 * The replay's hot path: a ratings.csv line straight to its Kafka key and Avro single-object
 * encoded RatingEvent value, written into one buffer per batch, without building a RatingEvent
 * object or splitting the line. Anything unusual falls back to `parseRatingLine`, which gives the
 * reject reason, so both paths accept and reject exactly the same lines; a unit test checks the
 * bytes against the avsc codec.
 */
import type { Codec } from '../schemas/avro.ts';
import type { RatingEvent, RatingSource } from '../schemas/types.ts';
import type { PackedRecords } from './rating-sink.ts';
import { MAX_ID, type RatingClock } from '../schemas/rating-rule.ts';
import { ANY_TIME, parseRatingLine, type RatingRow } from './ratings-csv.ts';

const SOURCES: readonly RatingSource[] = ['UNKNOWN', 'REPLAY', 'API', 'GENERATOR'];
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const COLON = 58;
/** longest value: header 10 + eventId (1 + 15 + 1 + 15 + 1 + 16) + 3 longs × 10 + float 4 + 2 enums */
const MAX_RECORD = 121;
/** the index of RATE in RatingAction: a replayed line is a rating */
const RATE = 0;

export interface RatingBatchEncoder {
  /** encodes one line into the current batch; returns the reject reason, or undefined when added */
  add(line: string): string | undefined;
  /** encodes an already parsed row */
  addRow(row: RatingRow): void;
  /** the event time (epoch ms) of the line most recently added */
  readonly lastRatedAt: number;
  readonly size: number;
  /** the records added since the last take(); starts a new batch */
  take(): PackedRecords;
}

function writeVarLong(buf: Buffer, pos: number, n: number): number {
  // zig-zag, with arithmetic rather than bit operators: values go beyond 32 bits
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    buf[pos++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  buf[pos++] = z;
  return pos;
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}

const TWO_31 = 2 ** 31;

function decimalDigits(n: number): number {
  let d = 1;
  for (let p = 10; n >= p && d < 16; p *= 10) d++;
  return d;
}

/** Writes a non-negative integer's `digits` decimal digits at `pos`, as String(n) would, without making the string. */
function writeDecimal(buf: Buffer, pos: number, n: number, digits: number): number {
  let i = pos + digits - 1;
  // above 2^31 (a time in milliseconds): the low nine digits first, in floating point
  for (; n >= TWO_31; i--) {
    const q = Math.floor(n / 10);
    buf[i] = ZERO + (n - q * 10);
    n = q;
  }
  for (; i >= pos; i--) {
    const q = (n / 10) | 0;
    buf[i] = ZERO + (n - q * 10);
    n = q;
  }
  return pos + digits;
}

/** Parses digits [start, end) of `line` as a non-negative integer; -1 if anything else is there. */
function digits(line: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c < ZERO || c > NINE) return -1;
    n = n * 10 + (c - ZERO);
  }
  return n;
}

/** `clock`: the latest time accepted is `nowMs + maxFutureSkewMs` (the rating rule); later lines are rejects. */
export function createRatingBatchEncoder(codec: Codec<RatingEvent>, source: RatingSource, capacity: number, clock: RatingClock = ANY_TIME): RatingBatchEncoder {
  const latestMs = clock.nowMs + clock.maxFutureSkewMs;
  const header = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from(codec.fingerprint, 'hex')]);
  const sourceIndex = SOURCES.indexOf(source);
  if (sourceIndex < 0) throw new Error(`unknown source ${source}`);
  let buf = Buffer.allocUnsafe(capacity * MAX_RECORD);
  let pos = 0;
  let starts = new Int32Array(capacity);
  let keyEnds = new Int32Array(capacity);
  let count = 0;
  let lastRatedAt = 0;
  // the rating's float bytes, little-endian as Avro writes them
  const floatBytes = new Uint8Array(4);
  const float = new DataView(floatBytes.buffer);

  function slow(line: string): string | undefined {
    const row = parseRatingLine(line, clock);
    if (typeof row === 'string') return row;
    return write(row.userId, row.movieId, row.rating, row.ratedAt);
  }

  function write(userId: number, movieId: number, rating: number, ratedAt: number): undefined {
    if (pos + MAX_RECORD > buf.length) {
      // only reached when a caller adds more than `capacity`: grow, keeping what is written
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, pos);
      buf = bigger;
    }
    if (count === starts.length) {
      starts = grown(starts);
      keyEnds = grown(keyEnds);
    }
    starts[count] = pos;
    const userDigits = decimalDigits(userId);
    const movieDigits = decimalDigits(movieId);
    // a time before 1970 keeps its minus sign
    const timeDigits = decimalDigits(Math.abs(ratedAt)) + (ratedAt < 0 ? 1 : 0);
    pos = writeDecimal(buf, pos, userId, userDigits); // key
    keyEnds[count++] = pos;
    for (let i = 0; i < header.length; i++) buf[pos++] = header[i]!;
    // eventId: ratingEventId(userId, movieId, ratedAt), digit by digit
    pos = writeVarLong(buf, pos, userDigits + movieDigits + timeDigits + 2);
    pos = writeDecimal(buf, pos, userId, userDigits);
    buf[pos++] = COLON;
    pos = writeDecimal(buf, pos, movieId, movieDigits);
    buf[pos++] = COLON;
    if (ratedAt < 0) {
      buf[pos++] = MINUS;
      pos = writeDecimal(buf, pos, -ratedAt, timeDigits - 1);
    } else pos = writeDecimal(buf, pos, ratedAt, timeDigits);
    pos = writeVarLong(buf, pos, userId);
    pos = writeVarLong(buf, pos, movieId);
    float.setFloat32(0, rating, true);
    buf[pos++] = floatBytes[0]!;
    buf[pos++] = floatBytes[1]!;
    buf[pos++] = floatBytes[2]!;
    buf[pos++] = floatBytes[3]!;
    pos = writeVarLong(buf, pos, ratedAt);
    buf[pos++] = sourceIndex * 2;
    buf[pos++] = RATE * 2;
    lastRatedAt = ratedAt;
    return undefined;
  }

  return {
    get lastRatedAt() {
      return lastRatedAt;
    },
    get size() {
      return count;
    },
    add(line) {
      const end = line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
      const c1 = line.indexOf(',');
      const c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
      const c3 = c2 < 0 ? -1 : line.indexOf(',', c2 + 1);
      if (c3 < 0 || line.indexOf(',', c3 + 1) >= 0 || line.charCodeAt(c3 + 1) === MINUS) return slow(line);
      const userId = digits(line, 0, c1);
      const movieId = digits(line, c1 + 1, c2);
      const seconds = digits(line, c3 + 1, end);
      if (userId <= 0 || userId > MAX_ID || movieId <= 0 || movieId > MAX_ID || seconds < 0 || end - c3 - 1 > 12 || seconds * 1000 > latestMs)
        return slow(line);
      // rating: "d", "d.d" or "d.d0": anything else takes the slow path
      const r0 = line.charCodeAt(c2 + 1) - ZERO;
      const len = c3 - c2 - 1;
      let tenths: number;
      if (len === 1) tenths = r0 * 10;
      else if (len === 3 && line.charCodeAt(c2 + 2) === DOT) {
        const r1 = line.charCodeAt(c2 + 3) - ZERO;
        if (r1 < 0 || r1 > 9) return slow(line);
        tenths = r0 * 10 + r1;
      } else return slow(line);
      if (r0 < 0 || r0 > 9 || tenths < 5 || tenths > 50 || tenths % 5 !== 0) return slow(line);
      return write(userId, movieId, tenths / 10, seconds * 1000);
    },
    addRow(row) {
      write(row.userId, row.movieId, row.rating, row.ratedAt);
    },
    take() {
      const records: PackedRecords = { buf, starts, keyEnds, count, end: pos };
      // the records still point into these buffers while they are in flight: start new ones
      buf = Buffer.allocUnsafe(capacity * MAX_RECORD);
      pos = 0;
      starts = new Int32Array(capacity);
      keyEnds = new Int32Array(capacity);
      count = 0;
      return records;
    },
  };
}
