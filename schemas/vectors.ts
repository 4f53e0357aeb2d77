/**
 * The Avro test vectors (schemas/test-vectors.json): where they are and how their JSON holds bytes.
 * Written by `npm run gen:vectors` (tools/gen-test-vectors.ts), read by the TypeScript and Java tests.
 */
import path from 'node:path';

export const VECTORS_FILE = path.join(import.meta.dirname, 'test-vectors.json');

/** JSON form of a value: Buffers as {"$bytes": hex}, everything else as is. */
export function toJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('hex') };
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

export function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value !== null && typeof value === 'object') {
    if ('$bytes' in value) return Buffer.from((value as { $bytes: string }).$bytes, 'hex');
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}
