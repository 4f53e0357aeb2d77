import fs from 'node:fs';
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromJson, VECTORS_FILE } from './vectors.ts';
import { generateTypes, TYPES_FILE } from './generate-types.ts';
import { SCHEMA_NAMES, SchemaError, createCodec, historyFiles, readSchemaFile, schemaFile } from './avro.ts';
import { compatibilityProblems } from './compatibility.ts';
import type { SchemaName } from './types.ts';

const all = JSON.parse(fs.readFileSync(VECTORS_FILE, 'utf8')) as { schema: SchemaName; writer?: string; fingerprint: string; value: unknown; hex: string }[];
const vectors = all.filter((v) => v.writer === undefined);
const released = all.filter((v) => v.writer !== undefined);

describe('schemas > single-object encoding', () => {
  it.each(vectors.map((v) => [`${v.schema} ${JSON.stringify(v.value).slice(0, 60)}`, v] as const))(
    'encodes and decodes the shared test vector %s byte for byte',
    (_, v) => {
      const codec = createCodec(v.schema);
      const value = fromJson(v.value) as never;
      expect(codec.fingerprint).toBe(v.fingerprint);
      expect(codec.encode(value).toString('hex')).toBe(v.hex);
      expect(codec.decode(Buffer.from(v.hex, 'hex'))).toEqual(value);
    },
  );

  it.each(released.map((v) => [`${v.writer} ${JSON.stringify(v.value).slice(0, 50)}`, v] as const))(
    'reads the bytes a released schema wrote (%s) as the current schema, defaults filled in',
    (_, v) => {
      const codec = createCodec(v.schema);
      expect(v.fingerprint).not.toBe(codec.fingerprint);
      expect(codec.decode(Buffer.from(v.hex, 'hex'))).toEqual(fromJson(v.value));
    },
  );

  it('covers every schema with at least one vector, and a deletion', () => {
    expect(vectors.some((v) => v.schema === 'rating-event' && (v.value as { action: string }).action === 'DELETE')).toBe(true);
    expect(new Set(vectors.map((v) => v.schema))).toEqual(new Set(SCHEMA_NAMES));
  });

  it('rejects bytes it cannot read with a SchemaError saying why', () => {
    const codec = createCodec('rating-event');
    const good = Buffer.from(vectors[0]!.hex, 'hex');
    const unknown = Buffer.from(good);
    unknown[2]! ^= 0x55;
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('not avro at all'), /not Avro single-object encoded \(15 bytes, starting 6e6f7420\)/],
      [Buffer.alloc(0), /not Avro single-object encoded \(0 bytes, starting empty\)/],
      [unknown, /unknown writer schema fingerprint d4/],
      [good.subarray(0, good.length - 3), /corrupt body/],
    ];
    for (const [bytes, reason] of cases) {
      expect(() => codec.decode(bytes)).toThrow(SchemaError);
      expect(() => codec.decode(bytes)).toThrow(reason);
    }
  });

  it('validate lists what is wrong with a value', () => {
    const codec = createCodec('rating-event');
    expect(codec.validate(fromJson(vectors[0]!.value))).toEqual([]);
    expect(codec.validate({ eventId: 'x', userId: 1.5, movieId: 2, rating: 4, ratedAt: 0, source: 'SOMEWHERE', action: 'RATE' })).toEqual([
      'userId: invalid value 1.5',
      'source: invalid value "SOMEWHERE"',
    ]);
  });

  it('schemas/types.ts is generated from the current .avsc files', () => {
    expect(fs.readFileSync(TYPES_FILE, 'utf8')).toBe(generateTypes());
  });
});

describe('schemas > evolution', () => {
  it.each(SCHEMA_NAMES)('%s stays compatible both ways with every released version', (name) => {
    const current = readSchemaFile(schemaFile(name));
    const released = historyFiles(name);
    expect(released.length).toBeGreaterThan(0);
    for (const file of released) expect(compatibilityProblems(current, readSchemaFile(file)), file).toEqual([]);
  });

  it('the check fails for a breaking change, and passes for a field added with a default', () => {
    const v1 = readSchemaFile(schemaFile('rating-event'));
    const schema = v1.schema() as { fields: { name: string; type: unknown; default?: unknown }[] };
    const withoutDefault = avro.Type.forSchema({ ...schema, fields: [...schema.fields, { name: 'sessionId', type: 'string' }] } as avro.Schema);
    const retyped = avro.Type.forSchema({ ...schema, fields: schema.fields.map((f) => (f.name === 'userId' ? { ...f, type: 'string' } : f)) } as avro.Schema);
    const withDefault = avro.Type.forSchema({
      ...schema,
      fields: [...schema.fields, { name: 'sessionId', type: ['null', 'string'], default: null }],
    } as avro.Schema);
    expect(compatibilityProblems(withoutDefault, v1)).toHaveLength(1);
    expect(compatibilityProblems(retyped, v1)).toHaveLength(2);
    expect(compatibilityProblems(withDefault, v1)).toEqual([]);
  });
});

describe('schemas > fuzzed bytes', () => {
  it('random bytes, and random bodies behind a valid header, always decode or fail as a SchemaError with a reason', () => {
    for (const name of SCHEMA_NAMES) {
      const codec = createCodec(name);
      const header = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from(codec.fingerprint, 'hex')]);
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([header, b])),
      );
      fc.assert(
        fc.property(bytes, (b) => {
          try {
            // what decodes is a value of the schema
            expect(codec.validate(codec.decode(b))).toEqual([]);
          } catch (error) {
            expect(error).toBeInstanceOf(SchemaError);
            expect((error as Error).message).toMatch(new RegExp(`^${name}: .+`));
          }
        }),
        { numRuns: 5000, seed: 20_261_130 },
      );
    }
  });
});
