/**
 * Avro single-object encoding (Avro specification, "Single object encoding"): the marker
 * `C3 01`, the writer schema's CRC-64-AVRO fingerprint (8 bytes, little-endian), then the
 * binary body. Java's BinaryMessageEncoder/Decoder read and write the same bytes.
 *
 * A codec writes with the current schema in `schemas/avro/` and reads anything written with it
 * or with a released version kept in `schemas/history/`, resolved to the current schema by
 * Avro's rules. Bytes it cannot read raise `SchemaError` (never a crash), for the DLQ.
 */
import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { PipelineError } from '../lib/errors.ts';
import type { SchemaName, SchemaTypes } from './types.ts';

export const SCHEMA_NAMES = ['rating-event', 'dead-letter', 'model-published'] as const satisfies readonly SchemaName[];

type Resolver = ReturnType<avro.Type['createResolver']>;

const schemasDir = import.meta.dirname;
const MARKER = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = 10;

/** The bytes could not be decoded: wrong marker, unknown writer schema, or a corrupt body. */
export class SchemaError extends PipelineError {}

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;
const TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
  return fp;
});

/** CRC-64-AVRO (Rabin) fingerprint of the bytes, as 8 little-endian bytes. */
export function crc64Avro(bytes: Uint8Array): Buffer {
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)]!;
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}

/** The schema's Parsing Canonical Form, which fingerprints are taken of. */
export function canonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema());
}

export function readSchemaFile(file: string): avro.Type {
  return avro.Type.forSchema(JSON.parse(fs.readFileSync(file, 'utf8')) as avro.Schema);
}

export function schemaFile(name: SchemaName): string {
  return path.join(schemasDir, 'avro', `${name}.avsc`);
}

/** Released versions of a schema, oldest first: `schemas/history/<name>.v<N>.avsc`. */
export function historyFiles(name: SchemaName): string[] {
  return fs
    .readdirSync(path.join(schemasDir, 'history'))
    .filter((f) => f.startsWith(`${name}.v`) && f.endsWith('.avsc'))
    .sort((a, b) => Number(/\.v(\d+)\.avsc$/.exec(a)?.[1]) - Number(/\.v(\d+)\.avsc$/.exec(b)?.[1]))
    .map((f) => path.join(schemasDir, 'history', f));
}

export interface Codec<T> {
  readonly name: SchemaName;
  readonly type: avro.Type;
  /** the current schema's fingerprint, hex */
  readonly fingerprint: string;
  encode(value: T): Buffer;
  /** encodes many values into one shared allocation; each result is a view into it */
  encodeBatch(values: readonly T[]): Buffer[];
  /** throws SchemaError for bytes it cannot read */
  decode(bytes: Uint8Array): T;
  /** checks a value against the schema; returns the problems (empty when valid) */
  validate(value: unknown): string[];
}

export function createCodec<N extends SchemaName>(name: N): Codec<SchemaTypes[N]> {
  const type = readSchemaFile(schemaFile(name));
  const fingerprint = crc64Avro(Buffer.from(canonicalForm(type)));
  const readers = new Map<string, avro.Type | Resolver>([[fingerprint.toString('hex'), type]]);
  for (const file of historyFiles(name)) {
    const writer = readSchemaFile(file);
    const fp = crc64Avro(Buffer.from(canonicalForm(writer))).toString('hex');
    if (!readers.has(fp)) readers.set(fp, type.createResolver(writer));
  }
  const header = Buffer.concat([MARKER, fingerprint]);

  return {
    name,
    type,
    fingerprint: fingerprint.toString('hex'),
    encode(value) {
      return Buffer.concat([header, type.toBuffer(value)]);
    },
    encodeBatch(values) {
      let size = Math.max(4096, values.length * 96);
      for (;;) {
        const buf = Buffer.allocUnsafe(size);
        const out: Buffer[] = new Array(values.length);
        let pos = 0;
        let i = 0;
        for (; i < values.length; i++) {
          if (pos + HEADER_LENGTH > size) break;
          header.copy(buf, pos);
          const end = type.encode(values[i], buf, pos + HEADER_LENGTH);
          if (end < 0) break;
          out[i] = buf.subarray(pos, end);
          pos = end;
        }
        if (i === values.length) return out;
        size *= 2; // a value did not fit: rare, so simply start over with twice the room
      }
    },
    decode(bytes) {
      const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (buf.length < HEADER_LENGTH || buf[0] !== 0xc3 || buf[1] !== 0x01) {
        throw new SchemaError(`${name}: not Avro single-object encoded (${buf.length} bytes, starting ${buf.subarray(0, 4).toString('hex') || 'empty'})`);
      }
      const fp = buf.subarray(2, HEADER_LENGTH).toString('hex');
      const reader = readers.get(fp);
      if (!reader) throw new SchemaError(`${name}: unknown writer schema fingerprint ${fp}`);
      try {
        return reader === type
          ? (type.fromBuffer(buf.subarray(HEADER_LENGTH)) as SchemaTypes[N])
          : (type.fromBuffer(buf.subarray(HEADER_LENGTH), reader as Resolver) as SchemaTypes[N]);
      } catch (error) {
        throw new SchemaError(`${name}: corrupt body: ${(error as Error).message}`, { cause: error });
      }
    },
    validate(value) {
      const problems: string[] = [];
      type.isValid(value, { errorHook: (p: string[], v: unknown) => problems.push(`${p.join('.') || '(value)'}: invalid value ${JSON.stringify(v)}`) });
      return problems;
    },
  };
}
