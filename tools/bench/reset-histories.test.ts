import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetHistories } from './reset-histories.ts';

describe('bench > reset histories', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reset-histories-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ratings.csv');
  fs.writeFileSync(
    file,
    ['userId,movieId,rating,timestamp', '1,10,4.0,964982703', '2,20,3.5,964981247', '1,30,5.0,964982224', '12,40,2.0,964983815', '2,x,4.0,964982931', ''].join(
      '\n',
    ),
  );

  it("keeps the chosen users' rows of the dataset, in file order, times in ms", async () => {
    const h = await datasetHistories(file, new Set([1, 2, 3]));
    expect([...h.keys()]).toEqual([1, 2]);
    expect(h.get(1)).toEqual({ movieIds: [10, 30], ratings: [4, 5], ratedAt: [964982703000, 964982224000] });
    // a line the dataset's own load rejected is not written back; user 12 is not user 1
    expect(h.get(2)).toEqual({ movieIds: [20], ratings: [3.5], ratedAt: [964981247000] });
  });

  it('keeps every user when none are chosen', async () => {
    const h = await datasetHistories(file);
    expect([...h.keys()].sort((a, b) => a - b)).toEqual([1, 2, 12]);
  });
});
