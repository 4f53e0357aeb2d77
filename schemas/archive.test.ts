import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatArchiveLine, isDeletion, parseArchiveLine, type ArchivedRating } from './archive.ts';

const vectors = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'contracts', 'archive-lines.json'), 'utf8')) as {
  valid: { line: string; value: ArchivedRating; deleted?: boolean }[];
  invalid: { name: string; line: string; error: string }[];
};

describe('archive lines (the same vectors as moviereco.contracts.ArchiveLine)', () => {
  it.each(vectors.valid.map((v) => [v.line, v] as const))('%s reads and writes back', (_, v) => {
    const expected = { ...v.value, rating: Math.fround(v.value.rating) };
    expect(parseArchiveLine(v.line)).toEqual(expected);
    expect(formatArchiveLine(expected)).toBe(v.line);
    expect(isDeletion(expected)).toBe(v.deleted ?? false);
  });

  it.each(vectors.invalid.map((v) => [v.name, v] as const))('rejects %s', (_, v) => {
    expect(() => parseArchiveLine(v.line)).toThrow(v.error);
  });
});
