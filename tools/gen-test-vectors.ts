/**
 * Writes schemas/test-vectors.json: values and their single-object encoded bytes, made once by
 * the TypeScript codec and committed. The TypeScript and the Java tests both encode the values
 * and decode the bytes and must match them exactly, so the two sides agree byte for byte.
 * Regenerate only for a deliberate schema change: npm run gen:vectors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc64Avro, canonicalForm, createCodec, historyFiles, readSchemaFile } from '../schemas/avro.ts';
import type { SchemaName } from '../schemas/types.ts';
import { fromJson, toJson, VECTORS_FILE } from '../schemas/vectors.ts';

/**
 * `writer`: the value was written with that released version (`schemas/history/<writer>.avsc`), and
 * `value` is what the current schema reads from it: such vectors are only decoded, never encoded.
 */
export const VALUES: { schema: SchemaName; value: unknown; writer?: string }[] = [
  {
    schema: 'rating-event',
    value: { eventId: '1:31:964982703000', userId: 1, movieId: 31, rating: 2.5, ratedAt: 964_982_703_000, source: 'REPLAY', action: 'RATE' },
  },
  {
    schema: 'rating-event',
    value: { eventId: '200948:209171:1697164224000', userId: 200_948, movieId: 209_171, rating: 5, ratedAt: 1_697_164_224_000, source: 'API', action: 'RATE' },
  },
  {
    schema: 'rating-event',
    value: { eventId: 'é-ünïcode', userId: -1, movieId: 1_099_511_627_776, rating: 0.5, ratedAt: 0, source: 'GENERATOR', action: 'RATE' },
  },
  {
    schema: 'rating-event',
    value: { eventId: 'api:42:0b6e3c1a', userId: 42, movieId: 318, rating: 0, ratedAt: 1_764_072_000_000, source: 'API', action: 'DELETE' },
  },
  {
    schema: 'rating-event',
    writer: 'rating-event.v1',
    value: { eventId: '1:31:964982703000', userId: 1, movieId: 31, rating: 2.5, ratedAt: 964_982_703_000, source: 'REPLAY', action: 'RATE' },
  },
  {
    schema: 'dead-letter',
    value: {
      reason: 'unknown writer schema fingerprint 0011223344556677',
      stage: 'speed-recommender',
      originTopic: 'ratings',
      originPartition: 3,
      originOffset: 123_456_789_012,
      originTimestamp: 1_764_072_000_000,
      originKey: Buffer.from('42'),
      payload: Buffer.from([0xc3, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0xff]),
      failedAt: 1_764_072_000_500,
    },
  },
  {
    schema: 'dead-letter',
    value: {
      reason: 'garbage',
      stage: 'archive',
      originTopic: 'ratings',
      originPartition: 0,
      originOffset: 0,
      originTimestamp: 0,
      originKey: null,
      payload: null,
      failedAt: 1,
    },
  },
  {
    schema: 'model-published',
    value: {
      modelName: 'als',
      version: '20261125T120000Z',
      publishedAt: 1_764_072_000_000,
      dataCutoff: 1_537_799_250_000,
      path: 'hdfs://127.0.0.1:9000/models/als/20261125T120000Z/',
      rank: 32,
      metrics: { rmse: 0.8612, 'ndcg@10': 0.0521 },
    },
  },
];

if (process.argv[1] === import.meta.filename) {
  const vectors = VALUES.map(({ schema, value, writer }) => {
    const typed = fromJson(toJson(value)) as never;
    if (writer === undefined) {
      const codec = createCodec(schema);
      return { schema, fingerprint: codec.fingerprint, value: toJson(value), hex: codec.encode(typed).toString('hex') };
    }
    const file = historyFiles(schema).find((f) => path.basename(f) === `${writer}.avsc`);
    if (!file) throw new Error(`no released schema ${writer} in schemas/history/`);
    const type = readSchemaFile(file);
    const fingerprint = crc64Avro(Buffer.from(canonicalForm(type)));
    const hex = Buffer.concat([Buffer.from([0xc3, 0x01]), fingerprint, type.toBuffer(typed)]).toString('hex');
    return { schema, writer, fingerprint: fingerprint.toString('hex'), value: toJson(value), hex };
  });
  fs.writeFileSync(VECTORS_FILE, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${vectors.length} vectors to ${path.relative(process.cwd(), VECTORS_FILE)}`);
}
