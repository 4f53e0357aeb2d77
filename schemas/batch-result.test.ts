import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBatchLine } from './batch-result.ts';

const vectors = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'contracts', 'batch-result.json'), 'utf8')) as {
  lines: { kind: string; line: string; value: unknown }[];
  invalid: { name: string; line: string; error: string }[];
};

describe("the batch job's output lines (the same vectors as moviereco.contracts.BatchResult)", () => {
  it.each(vectors.lines.map((v) => [v.line.slice(0, 60), v] as const))('reads %s', (_, v) => {
    expect(parseBatchLine(v.line)).toEqual({ kind: v.kind, value: v.value });
  });

  it.each(vectors.invalid.map((v) => [v.name, v] as const))('rejects %s', (_, v) => {
    expect(() => parseBatchLine(v.line)).toThrow(v.error);
  });
});
