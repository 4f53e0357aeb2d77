import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, SHARED_DATASETS, findDataset } from './dataset.ts';

const zip = fs.readFileSync(path.join(SHARED_DATASETS, 'ml-latest-small.zip'));
const md5 = createHash('md5').update(zip).digest('hex');
let server: http.Server;
let baseUrl: string;
const requests: string[] = [];

/** A local stand-in for files.grouplens.org serving the real archive (and a renamed copy with an .md5 file). */
beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const routes: Record<string, Buffer | string> = {
      '/ml-latest-small.zip': zip,
      '/ml-copy.zip': zip,
      '/ml-copy.zip.md5': `${md5}  ml-copy.zip\n`,
      '/ml-tampered.zip': Buffer.concat([zip.subarray(0, 1000), Buffer.from('tampered'), zip.subarray(1008)]),
      '/ml-tampered.zip.md5': `MD5 (ml-tampered.zip) = ${md5}\n`,
    };
    const body = routes[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => server.close());

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'datasets-'));
const quiet = { log: () => {} };

describe('data > finding a dataset', () => {
  it('takes a path, then data/, then the shared datasets, before downloading', async () => {
    const dataDir = tmp();
    expect(await findDataset(path.join(SHARED_DATASETS, 'ml-latest-small'), { dataDir, ...quiet })).toMatchObject({ source: 'path', name: 'ml-latest-small' });
    expect(await findDataset('ml-latest-small', { dataDir, baseUrl, ...quiet })).toMatchObject({
      source: 'shared',
      dir: path.join(SHARED_DATASETS, 'ml-latest-small'),
    });
    fs.mkdirSync(path.join(dataDir, 'ml-latest-small'));
    for (const f of ['ratings.csv', 'movies.csv']) fs.writeFileSync(path.join(dataDir, 'ml-latest-small', f), 'x');
    expect(await findDataset('ml-latest-small', { dataDir, baseUrl, ...quiet })).toMatchObject({ source: 'data' });
  });

  it('downloads, checks the pinned SHA-256 and unpacks the real archive', async () => {
    const dataDir = tmp();
    const found = await findDataset('ml-latest-small', { dataDir, sharedDir: tmp(), baseUrl, ...quiet });
    expect(found).toMatchObject({ source: 'download', dir: path.join(dataDir, 'ml-latest-small') });
    const ratings = fs.readFileSync(path.join(found.dir, 'ratings.csv'));
    expect(createHash('sha256').update(ratings).digest('hex')).toBe('aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646');
    expect(fs.readdirSync(found.dir).sort()).toEqual(['README.txt', 'links.csv', 'movies.csv', 'ratings.csv', 'tags.csv']);
    expect(fs.existsSync(path.join(dataDir, 'downloads', 'ml-latest-small.zip'))).toBe(false);
  });

  it('checks other archives against the .md5 file published beside them', async () => {
    const found = await findDataset('ml-copy', { dataDir: tmp(), sharedDir: tmp(), baseUrl, ...quiet });
    expect(fs.existsSync(path.join(found.dir, 'ratings.csv'))).toBe(true);
    expect(requests).toContain('/ml-copy.zip.md5');
  });

  it('refuses a download whose checksum does not match, and keeps nothing of it', async () => {
    const dataDir = tmp();
    const error = await findDataset('ml-tampered', { dataDir, sharedDir: tmp(), baseUrl, ...quiet }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(new RegExp(`^ml-tampered.zip failed its md5 check: expected ${md5}, got [0-9a-f]{32}; the download was deleted$`));
    expect(fs.existsSync(path.join(dataDir, 'ml-tampered'))).toBe(false);
    expect(fs.readdirSync(path.join(dataDir, 'downloads'))).toEqual([]);
  });

  it('says clearly when a dataset is missing and cannot be fetched', async () => {
    await expect(findDataset('ml-nope', { dataDir: tmp(), sharedDir: tmp(), baseUrl, ...quiet })).rejects.toThrow(
      /downloading http:\/\/127\.0\.0\.1:\d+\/ml-nope\.zip failed: .*404/,
    );
    await expect(findDataset('ml-nope', { dataDir: tmp(), sharedDir: tmp(), download: false, ...quiet })).rejects.toThrow(
      /ml-nope is not in .* and downloading is off/,
    );
    await expect(findDataset('./no/such/dir', quiet)).rejects.toThrow(/is not a MovieLens dataset/);
  });
});
