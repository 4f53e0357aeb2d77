/**
 * Kafka's record batch (magic 2) built straight from encoded key and value bytes: one growing
 * buffer per partition, the batch header written in place when it is sealed, no object per
 * record. This is what the replay's `direct` sink sends; a unit test reads the batches back with
 * @platformatic/kafka's own batch reader and checks the partitions against its Java-compatible
 * partitioner.
 *
 * Layout (https://kafka.apache.org/documentation/#recordbatch): baseOffset int64, batchLength
 * int32, partitionLeaderEpoch int32, magic int8, crc uint32 (CRC-32C of everything after it),
 * attributes int16, lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64, producerId
 * int64, producerEpoch int16, baseSequence int32, records count int32, then the records.
 */
import { crc32c } from '@platformatic/kafka';

/** bytes before the first record */
export const BATCH_HEADER = 61;
/** where the CRC-32C starts (attributes) and where the CRC itself sits */
const CRC_FROM = 21;
const CRC_AT = 17;
/** a record's fixed overhead at most: length 5, attributes 1, timestamp delta 1, offset delta 5, key and value lengths 5 each, headers 1 */
const RECORD_OVERHEAD = 23;

export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
}

export interface RecordBatch {
  /** records appended since the last reset */
  readonly count: number;
  /** the batch's size in bytes if sealed now */
  readonly bytes: number;
  /** appends one record whose key is `src[keyStart, keyEnd)` and value `src[keyEnd, valueEnd)` */
  appendRange(src: Buffer, keyStart: number, keyEnd: number, valueEnd: number): void;
  /**
   * Writes the header and returns the batch (a copy: the builder is reused at once). All records
   * carry `timestampMs`; `baseSequence` is the partition's next idempotent sequence number.
   */
  seal(identity: ProducerIdentity, baseSequence: number, timestampMs: number): Buffer;
  reset(): void;
}

/** Zig-zag varint of a non-negative int32, as Kafka writes a record's lengths and deltas. */
function writeVarInt(buf: Buffer, pos: number, n: number): number {
  let z = n * 2; // zig-zag of n >= 0
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[pos++] = z;
  return pos;
}

function varIntSize(n: number): number {
  let z = n * 2;
  let size = 1;
  while (z >= 0x80) {
    z >>>= 7;
    size++;
  }
  return size;
}

export function createRecordBatch(initialBytes = 64 << 10): RecordBatch {
  let buf = Buffer.allocUnsafe(Math.max(initialBytes, BATCH_HEADER + 256));
  let pos = BATCH_HEADER;
  let count = 0;

  function ensure(more: number): void {
    if (pos + more <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + more));
    buf.copy(bigger, 0, 0, pos);
    buf = bigger;
  }

  /** Writes a record's length, attributes, timestamp delta (0: one timestamp per batch), offset delta and key length; returns where the key goes. */
  function writeRecordHead(keyLength: number, valueLength: number): number {
    const bodyLength = 1 + 1 + varIntSize(count) + varIntSize(keyLength) + keyLength + varIntSize(valueLength) + valueLength + 1;
    let p = writeVarInt(buf, pos, bodyLength);
    buf[p++] = 0;
    buf[p++] = 0;
    p = writeVarInt(buf, p, count);
    return writeVarInt(buf, p, keyLength);
  }

  return {
    get count() {
      return count;
    },
    get bytes() {
      return pos;
    },
    appendRange(src, keyStart, keyEnd, valueEnd) {
      // short keys and values: a loop costs less than Buffer.copy's call
      ensure(valueEnd - keyStart + RECORD_OVERHEAD);
      let p = writeRecordHead(keyEnd - keyStart, valueEnd - keyEnd);
      for (let i = keyStart; i < keyEnd; i++) buf[p++] = src[i]!;
      p = writeVarInt(buf, p, valueEnd - keyEnd);
      for (let i = keyEnd; i < valueEnd; i++) buf[p++] = src[i]!;
      buf[p++] = 0; // no headers
      pos = p;
      count++;
    },
    seal({ producerId, producerEpoch }, baseSequence, timestampMs) {
      if (count === 0) throw new Error('an empty record batch cannot be sealed');
      const stamp = BigInt(timestampMs);
      buf.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
      buf.writeInt32BE(pos - 12, 8); // batch length: everything after this field
      buf.writeInt32BE(-1, 12); // partition leader epoch: the broker's to set
      buf.writeInt8(2, 16); // magic
      buf.writeInt16BE(0, 21); // attributes: no compression, create time, not transactional
      buf.writeInt32BE(count - 1, 23);
      buf.writeBigInt64BE(stamp, 27);
      buf.writeBigInt64BE(stamp, 35);
      buf.writeBigInt64BE(producerId, 43);
      buf.writeInt16BE(producerEpoch, 51);
      buf.writeInt32BE(baseSequence, 53);
      buf.writeInt32BE(count, 57);
      buf.writeUInt32BE(crc32c(buf.subarray(CRC_FROM, pos)) >>> 0, CRC_AT);
      return Buffer.from(buf.subarray(0, pos));
    },
    reset() {
      pos = BATCH_HEADER;
      count = 0;
    },
  };
}

/**
 * Kafka's murmur2 of the key `src[start, end)`, as the Java client's default partitioner
 * computes it, in 32-bit integer arithmetic.
 */
export function murmur2(src: Buffer, start = 0, end = src.length): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ (end - start);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = end - i;
  if (rest > 0) {
    if (rest === 3) h ^= src[i + 2]! << 16;
    if (rest >= 2) h ^= src[i + 1]! << 8;
    h ^= src[i]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client's default partitioner gives a key: positive murmur2 modulo the count. */
export function partitionOfKey(partitions: number, src: Buffer, start = 0, end = src.length): number {
  return (murmur2(src, start, end) & 0x7fffffff) % partitions;
}
