import { compatibilityPartitioner, createRecordsBatch, jsCRC32C, murmur2 as clientMurmur2, Reader, readRecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { packedRecords, valueEnd } from './rating-sink.ts';
import { BATCH_HEADER, createRecordBatch, murmur2, partitionOfKey, type RecordBatch } from './record-batch.ts';

const identity = { producerId: 4242n, producerEpoch: 3 };

/** appends the records as the direct sink does: packed side by side, each by its range */
function appendAll(batch: RecordBatch, records: { key: string; value: Buffer }[]) {
  const packed = packedRecords(records.map((r) => ({ key: Buffer.from(r.key), value: r.value })));
  for (let i = 0; i < packed.count; i++) batch.appendRange(packed.buf, packed.starts[i]!, packed.keyEnds[i]!, valueEnd(packed, i));
}

function sample(n: number, valueBytes = 48) {
  return Array.from({ length: n }, (_, i) => ({ key: String(1 + ((i * 7919) % 200_948)), value: Buffer.alloc(valueBytes + (i % 90), i % 251) }));
}

describe('ingest > record batch', () => {
  it('is byte for byte the batch @platformatic/kafka builds from the same records, but for the leader epoch', () => {
    const records = sample(300);
    const batch = createRecordBatch(256);
    appendAll(batch, records);
    const ours = batch.seal(identity, 7, 1_700_000_000_123);

    const theirs = createRecordsBatch(
      records.map((r) => ({ topic: 't', partition: 0, key: Buffer.from(r.key), value: r.value, timestamp: 1_700_000_000_123n })) as never,
      { ...identity, sequences: { getWithDefault: () => 7 } } as never,
    ).buffer;
    expect(ours.length).toBe(theirs.length);
    expect(ours.readInt32BE(12)).toBe(-1); // left for the broker, as the Java client does
    expect(Buffer.concat([ours.subarray(0, 12), ours.subarray(16)])).toEqual(Buffer.concat([theirs.subarray(0, 12), theirs.subarray(16)]));
  });

  it('reads back with its CRC, count, sequence, producer and every key and value', () => {
    const records = sample(1000, 200);
    const batch = createRecordBatch(1024); // grows as it goes
    appendAll(batch, records);
    expect(batch.count).toBe(1000);
    const bytes = batch.seal(identity, 2_000_000, 5);
    expect(bytes.length).toBe(batch.bytes);
    expect(bytes.readUInt32BE(17)).toBe(jsCRC32C(bytes.subarray(21)));

    const read = readRecordsBatch(Reader.from(bytes));
    expect(read).toMatchObject({ magic: 2, length: bytes.length - 12, lastOffsetDelta: 999, firstSequence: 2_000_000, producerId: 4242n, producerEpoch: 3 });
    expect(read.firstTimestamp).toBe(5n);
    expect(read.records.map((r) => r.key!.toString())).toEqual(records.map((r) => r.key));
    expect(read.records.map((r) => r.value!.toString('hex')).join()).toBe(records.map((r) => r.value.toString('hex')).join());
    expect(read.records.map((r) => r.offsetDelta)).toEqual(records.map((_, i) => i));

    // reset starts an empty batch in the same buffer
    batch.reset();
    expect(batch.count).toBe(0);
    expect(batch.bytes).toBe(BATCH_HEADER);
    expect(() => batch.seal(identity, 0, 5)).toThrow(/empty/);
  });

  it('puts each key in the partition the Java-compatible partitioner gives it', () => {
    const keys = ['1', '42', '610', '200948', '', 'a', 'ab', 'abc', 'abcd', 'abcde', 'user-1', ...Array.from({ length: 2000 }, (_, i) => String(i * 101))];
    for (const key of keys) {
      const bytes = Buffer.from(key);
      expect(murmur2(bytes)).toBe(clientMurmur2(bytes));
      const inside = Buffer.from(`xx${key}yy`);
      expect(partitionOfKey(7, inside, 2, 2 + bytes.length)).toBe(partitionOfKey(7, bytes));
      for (const partitions of [1, 4, 7]) {
        const expected = compatibilityPartitioner({ key: bytes, topic: 't', value: Buffer.alloc(0) } as never, bytes as never);
        expect(partitionOfKey(partitions, bytes)).toBe(expected % partitions);
      }
    }
  });
});
