import { describe, expect, it } from 'vitest';
import { row } from './cassandra-store.ts';

/** a driver row of the named columns (a column not selected reads as undefined, as the driver's does) */
const fake = (columns: Record<string, unknown>) => ({ get: (name: string | number) => columns[String(name)] });
const items = (...ids: number[]) => ids.map((id, i) => ({ movie_id: { toString: () => String(id) }, score: 1 - i / 10 }));

describe('cassandra store > rows', () => {
  const base = { model_version: 'v2', computed_at: new Date(1000), rated_until: new Date(900) };

  it("serves a row's frozen top_items, not the items an older job left in the row", () => {
    const r = row(fake({ ...base, top_items: items(7, 8), items: items(1, 2, 3) }));
    expect(r?.items.map((i) => i.movieId)).toEqual([7, 8]);
    expect(r).toMatchObject({ modelVersion: 'v2', computedAt: 1000, ratedUntil: 900 });
  });

  it('serves items where a row written before top_items has none (a speed row, or a batch row of an older version)', () => {
    expect(row(fake({ ...base, top_items: null, items: items(1, 2) }))?.items.map((i) => i.movieId)).toEqual([1, 2]);
    expect(row(fake({ model_version: 'v1', computed_at: new Date(5), top_items: null, items: items(4) }))?.items).toEqual([{ movieId: 4, score: 1 }]);
    expect(row(fake({ ...base, top_items: null, items: null }))?.items).toEqual([]);
    expect(row(undefined)).toBeUndefined();
  });
});
