/**
 * Finding a MovieLens dataset: a path the user gives, a folder under data/, the shared datasets
 * folder beside the checkout, or a download from GroupLens, verified against a checksum before
 * it is unpacked. A dataset is a folder holding at least ratings.csv and movies.csv.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import got from 'got';
import yauzl from 'yauzl';
import { PipelineError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';

export const GROUPLENS_URL = 'https://files.grouplens.org/datasets/movielens';
/** the git-ignored folder of downloaded and generated datasets */
export const DATA_DIR = path.resolve(import.meta.dirname, '..', '..', 'data');
export const SHARED_DATASETS = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'datasets');

/** Archives whose content we know: pinned SHA-256. Other names are checked against GroupLens's .md5 file. */
export const KNOWN_ARCHIVES: Record<string, { sha256: string }> = {
  'ml-latest-small': { sha256: '859da233c6929ebc9202e9516cdefa8a3c695aef67d1878249d6036c3513c023' },
};

export class DatasetError extends PipelineError {}

export interface FoundDataset {
  name: string;
  dir: string;
  source: 'path' | 'data' | 'shared' | 'download';
}

export function isDatasetDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'ratings.csv')) && fs.existsSync(path.join(dir, 'movies.csv'));
}

export interface FindOptions {
  dataDir?: string;
  sharedDir?: string;
  baseUrl?: string;
  /** false: never download */
  download?: boolean;
  log?: (line: string) => void;
}

/** `nameOrPath`: a folder path, or a MovieLens name such as ml-latest-small or ml-32m. */
export async function findDataset(
  nameOrPath: string,
  { dataDir = DATA_DIR, sharedDir = SHARED_DATASETS, baseUrl = GROUPLENS_URL, download = true, log = console.error }: FindOptions = {},
): Promise<FoundDataset> {
  if (nameOrPath.includes('/') || nameOrPath.startsWith('.')) {
    const dir = path.resolve(nameOrPath);
    if (!isDatasetDir(dir)) throw new DatasetError(`${dir} is not a MovieLens dataset (needs ratings.csv and movies.csv)`);
    return { name: path.basename(dir), dir, source: 'path' };
  }
  const name = nameOrPath;
  if (!/^[\w.-]+$/.test(name)) throw new DatasetError(`not a dataset name: ${name}`);
  for (const [source, dir] of [
    ['data', path.join(dataDir, name)],
    ['shared', path.join(sharedDir, name)],
  ] as const) {
    if (isDatasetDir(dir)) return { name, dir, source };
  }
  if (!download) throw new DatasetError(`${name} is not in ${dataDir} or ${sharedDir}, and downloading is off`);
  return { name, dir: await downloadDataset(name, { dataDir, baseUrl, log }), source: 'download' };
}

/** Downloads `<baseUrl>/<name>.zip`, verifies it, unpacks it into `<dataDir>/<name>/`. */
export async function downloadDataset(
  name: string,
  { dataDir = DATA_DIR, baseUrl = GROUPLENS_URL, log = console.error }: { dataDir?: string; baseUrl?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const downloads = path.join(dataDir, 'downloads');
  fs.mkdirSync(downloads, { recursive: true });
  const zipFile = path.join(downloads, `${name}.zip`);
  const url = `${baseUrl}/${name}.zip`;
  log(`downloading ${url}`);
  const progress = createProgress({ label: `download ${name}.zip`, unit: 'KiB' });
  const stream = got.stream(url, { timeout: { request: 30 * 60_000 }, retry: { limit: 2 } });
  let lastKiB = 0;
  stream.on('downloadProgress', ({ transferred }: { transferred: number }) => {
    const kib = Math.floor(transferred / 1024);
    progress.tick(kib - lastKiB);
    lastKiB = kib;
  });
  try {
    await pipeline(stream, fs.createWriteStream(zipFile));
  } catch (error) {
    fs.rmSync(zipFile, { force: true });
    throw new DatasetError(`downloading ${url} failed: ${(error as Error).message}`, { cause: error, retriable: true });
  }
  progress.done();

  const known = KNOWN_ARCHIVES[name];
  const algorithm = known ? 'sha256' : 'md5';
  const expected = known?.sha256 ?? (await fetchMd5(`${url}.md5`));
  const actual = createHash(algorithm).update(fs.readFileSync(zipFile)).digest('hex');
  if (actual !== expected) {
    fs.rmSync(zipFile, { force: true });
    throw new DatasetError(`${name}.zip failed its ${algorithm} check: expected ${expected}, got ${actual}; the download was deleted`);
  }
  log(`${name}.zip: ${algorithm} ${actual} verified`);

  const target = path.join(dataDir, name);
  const staging = path.join(downloads, `${name}.unpacking`);
  fs.rmSync(staging, { recursive: true, force: true });
  await unzip(zipFile, staging);
  // archives hold one top folder (ml-latest-small/...): move it into place whole, or not at all
  const inner = fs.readdirSync(staging);
  const root = inner.length === 1 && fs.statSync(path.join(staging, inner[0]!)).isDirectory() ? path.join(staging, inner[0]!) : staging;
  if (!isDatasetDir(root)) throw new DatasetError(`${name}.zip holds no ratings.csv and movies.csv`);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(root, target);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.rmSync(zipFile, { force: true });
  return target;
}

async function fetchMd5(url: string): Promise<string> {
  try {
    const text = await got(url, { timeout: { request: 30_000 }, retry: { limit: 2 } }).text();
    const md5 = /\b[0-9a-f]{32}\b/i.exec(text)?.[0];
    if (!md5) throw new Error(`no MD5 sum in ${url}`);
    return md5.toLowerCase();
  } catch (error) {
    throw new DatasetError(`cannot get the checksum ${url}: ${(error as Error).message}; refusing an unverified download`, { cause: error });
  }
}

function unzip(zipFile: string, outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(new DatasetError(`cannot open ${zipFile}: ${openError?.message}`, { cause: openError }));
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = path.resolve(outDir, entry.fileName);
        if (!target.startsWith(path.resolve(outDir) + path.sep)) return reject(new DatasetError(`unsafe path in archive: ${entry.fileName}`));
        if (entry.fileName.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          zip.readEntry();
          return;
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (streamError, read) => {
          if (streamError || !read) return reject(streamError);
          pipeline(read, fs.createWriteStream(target)).then(() => zip.readEntry(), reject);
        });
      });
      zip.readEntry();
    });
  });
}
