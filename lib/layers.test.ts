import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importEdges, layerViolations } from './layers.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

describe('layers', () => {
  it('finds an upward and a sideways import', () => {
    const violations = layerViolations([
      { from: 'lib/errors.ts', to: 'infra/config.ts' },
      { from: 'batch/runner.ts', to: 'ingest/rating-sink.ts' },
      { from: 'batch/runner.ts', to: 'batch/config.ts' },
      { from: 'system/start.ts', to: 'serving/app.ts' },
    ]);
    expect(violations).toEqual([
      'lib/errors.ts imports infra/config.ts: lib/ may import only itself',
      'batch/runner.ts imports ingest/rating-sink.ts: batch/ may import only lib, schemas',
    ]);
  });

  it('reads the imports of the real tree', () => {
    const edges = importEdges(repoRoot);
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual({ from: 'system/start.ts', to: 'batch/runner.ts' });
  });

  it('holds for this repository: no layer imports one above it or beside it', () => {
    expect(layerViolations(importEdges(repoRoot))).toEqual([]);
  });
});
