import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxUserId } from './dataset-users.ts';

describe('bench > dataset-users', () => {
  it('finds the highest user id, past the header, whatever the order and the last newline', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'users-'));
    const file = path.join(dir, 'ratings.csv');
    fs.writeFileSync(file, 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n200948,31,2.5,964982224\n37,1029,3.0,964982224');
    expect(await maxUserId(file)).toBe(200_948);
    fs.writeFileSync(file, 'userId,movieId,rating,timestamp\r\n3,1,4.0,9\r\n12,2,1.0,9\r\n');
    expect(await maxUserId(file)).toBe(12);
    fs.rmSync(dir, { recursive: true });
  });
});
