import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFactorLine, parseFactorLine, parseModelMetadata } from './model-files.ts';

const vectors = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'contracts', 'model-files.json'), 'utf8')) as {
  metadata: { name: string; json: string; value: Record<string, unknown> }[];
  invalidMetadata: { name: string; json: string; error: string }[];
  factorLines: { line: string; rank: number; id: number; bias: number; factors: number[] }[];
  invalidFactorLines: { name: string; line: string; rank: number; error: string }[];
};

describe('model files (the same vectors as moviereco.contracts.ModelFiles)', () => {
  it.each(vectors.metadata.map((v) => [v.name, v] as const))('reads metadata.json: %s', (_, v) => {
    expect(parseModelMetadata(v.json)).toEqual(v.value);
  });

  it.each(vectors.invalidMetadata.map((v) => [v.name, v] as const))('rejects metadata.json: %s', (_, v) => {
    expect(() => parseModelMetadata(v.json)).toThrow(v.error);
  });

  it.each(vectors.factorLines.map((v) => [v.line, v] as const))('reads and writes back the factor line %s', (_, v) => {
    const row = parseFactorLine(v.line, v.rank);
    expect(row).toEqual({ id: v.id, bias: Math.fround(v.bias), factors: Float32Array.from(v.factors) });
    expect(formatFactorLine(row)).toBe(v.line);
  });

  it.each(vectors.invalidFactorLines.map((v) => [v.name, v] as const))('rejects the factor line: %s', (_, v) => {
    expect(() => parseFactorLine(v.line, v.rank)).toThrow(v.error);
  });
});
