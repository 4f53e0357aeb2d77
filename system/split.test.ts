import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quantile, splitByTime } from './split.ts';

describe('splitByTime', () => {
  it('puts the oldest ratings in the history and the rest in the live file, headers on both', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'split-'));
    const rows = Array.from({ length: 10 }, (_, i) => `${1 + (i % 3)},${10 + i},4.0,${1000 + i * 10}`);
    fs.writeFileSync(path.join(dir, 'ratings.csv'), `${['userId,movieId,rating,timestamp', ...rows.reverse(), 'bad,row'].join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 'movies.csv'), 'movieId,title,genres\n');
    const split = await splitByTime(dir, path.join(dir, 'out'), 0.8);
    expect(split).toMatchObject({ splitAt: 1080, history: 8, live: 3 });
    const history = fs.readFileSync(path.join(split.historyDir, 'ratings.csv'), 'utf8').trim().split('\n');
    const live = fs.readFileSync(split.liveFile, 'utf8').trim().split('\n');
    expect(history[0]).toBe('userId,movieId,rating,timestamp');
    expect(history.slice(1).every((l) => Number(l.split(',')[3]) < 1080)).toBe(true);
    expect(live).toEqual(['userId,movieId,rating,timestamp', '1,19,4.0,1090', '3,18,4.0,1080', 'bad,row']);
    expect(fs.existsSync(path.join(split.historyDir, 'movies.csv'))).toBe(true);
  });

  it('quantile picks the timestamp below which the fraction lies', () => {
    expect(quantile(Float64Array.from([1, 2, 3, 4]), 0.5)).toBe(3);
    expect(quantile(Float64Array.from([1, 2, 3, 4]), 1)).toBe(4);
    expect(() => quantile(new Float64Array(0), 0.5)).toThrow('no ratings');
  });
});
