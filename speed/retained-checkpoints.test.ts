import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newestRetainedCheckpoint } from './retained-checkpoints.ts';

let base: string;
const runA = 'a'.repeat(32);
const runB = 'b'.repeat(32);

function checkpoint(job: string, run: string, n: number, { complete = true, mtime }: { complete?: boolean; mtime?: number } = {}): string {
  const dir = path.join(base, job, run, `chk-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  if (complete) {
    const file = path.join(dir, '_metadata');
    fs.writeFileSync(file, 'x');
    if (mtime !== undefined) fs.utimesSync(file, mtime / 1000, mtime / 1000);
  }
  return pathToFileURL(dir).href;
}

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'retained-'));
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

describe('newestRetainedCheckpoint', () => {
  it('finds the highest complete chk-N of a run, skipping one cut short', async () => {
    checkpoint('trending', runA, 8);
    const nine = checkpoint('trending', runA, 9);
    checkpoint('trending', runA, 10, { complete: false });
    fs.mkdirSync(path.join(base, 'trending', runA, 'shared'));
    expect(await newestRetainedCheckpoint(pathToFileURL(base).href, 'trending')).toMatchObject({ path: nine, jobId: runA, checkpointId: 9 });
  });

  it('across runs of the same job name, takes the one written last', async () => {
    checkpoint('trending', runA, 50, { mtime: 1_000_000 });
    const later = checkpoint('trending', runB, 3, { mtime: 2_000_000 });
    checkpoint('other-job', runA, 99, { mtime: 3_000_000 });
    expect(await newestRetainedCheckpoint(`file://${base}/`, 'trending')).toMatchObject({ path: later, jobId: runB, checkpointId: 3, at: 2_000_000 });
  });

  it('finds nothing for a job without checkpoints or a folder that does not exist', async () => {
    checkpoint('trending', runA, 1, { complete: false });
    expect(await newestRetainedCheckpoint(pathToFileURL(base).href, 'trending')).toBeUndefined();
    expect(await newestRetainedCheckpoint(pathToFileURL(base).href, 'archive')).toBeUndefined();
    expect(await newestRetainedCheckpoint(pathToFileURL(path.join(base, 'nowhere')).href, 'archive')).toBeUndefined();
  });

  it('does not look into other schemes yet, and says so', async () => {
    const lines: string[] = [];
    expect(await newestRetainedCheckpoint('hdfs://nn:8020/flink/checkpoints', 'trending', (l) => lines.push(l))).toBeUndefined();
    expect(lines).toEqual([expect.stringContaining('only file:// is supported yet')]);
  });
});
