/**
 * The demo's time split of a MovieLens dataset: the oldest ratings become the history (loaded into
 * HDFS, trained on), the newest are kept aside and replayed into Kafka as if they were happening now.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

export interface Split {
  /** ratings with timestamp < splitAt (seconds) are history */
  splitAt: number;
  historyDir: string;
  liveFile: string;
  history: number;
  live: number;
}

/** The timestamp (seconds) below which `fraction` of the ratings lie. */
export function quantile(sortedTimestamps: Float64Array, fraction: number): number {
  if (sortedTimestamps.length === 0) throw new Error('no ratings');
  const i = Math.min(sortedTimestamps.length - 1, Math.max(0, Math.floor(fraction * sortedTimestamps.length)));
  return sortedTimestamps[i]!;
}

async function* lines(file: string): AsyncGenerator<string> {
  yield* readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
}

/** Writes `<outDir>/history/` (the four MovieLens files, ratings before the split) and `<outDir>/live/ratings.csv`. */
export async function splitByTime(datasetDir: string, outDir: string, historyFraction: number): Promise<Split> {
  const ratingsFile = path.join(datasetDir, 'ratings.csv');
  const stamps: number[] = [];
  let first = true;
  for await (const line of lines(ratingsFile)) {
    if (first) {
      first = false;
      continue;
    }
    const t = Number(line.slice(line.lastIndexOf(',') + 1));
    if (Number.isFinite(t)) stamps.push(t);
  }
  const sorted = Float64Array.from(stamps).sort();
  const splitAt = quantile(sorted, historyFraction);
  const historyDir = path.join(outDir, 'history');
  const liveDir = path.join(outDir, 'live');
  fs.mkdirSync(historyDir, { recursive: true });
  fs.mkdirSync(liveDir, { recursive: true });
  for (const f of ['movies.csv', 'links.csv', 'tags.csv'])
    if (fs.existsSync(path.join(datasetDir, f))) fs.copyFileSync(path.join(datasetDir, f), path.join(historyDir, f));
  const history = fs.createWriteStream(path.join(historyDir, 'ratings.csv'));
  const live = fs.createWriteStream(path.join(liveDir, 'ratings.csv'));
  let header = true;
  let h = 0;
  let l = 0;
  for await (const line of lines(ratingsFile)) {
    if (header) {
      history.write(`${line}\n`);
      live.write(`${line}\n`);
      header = false;
      continue;
    }
    const t = Number(line.slice(line.lastIndexOf(',') + 1));
    // malformed rows go with the live part, where the replay reports them as rejects
    if (Number.isFinite(t) && t < splitAt) {
      if (!history.write(`${line}\n`)) await new Promise<void>((r) => history.once('drain', () => r()));
      h++;
    } else {
      if (!live.write(`${line}\n`)) await new Promise<void>((r) => live.once('drain', () => r()));
      l++;
    }
  }
  await Promise.all([new Promise((r) => history.end(r)), new Promise((r) => live.end(r))]);
  return { splitAt, historyDir, liveFile: path.join(liveDir, 'ratings.csv'), history: h, live: l };
}
