/**
 * Loads a dataset into the stack: its CSV files into HDFS under /movielens/<name>/ (the master
 * dataset the batch layer reads) and its movies, with links, into the Cassandra `movies` table.
 * Malformed movie rows are reported in a rejects file; the load goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { readLines } from '../ratings-csv.ts';
import { createProgress } from '../../lib/progress.ts';
import type { WebHdfs } from '../../lib/webhdfs.ts';
import { applyCassandraSchema } from '../../schemas/cassandra.ts';
import { parseCsvLine, parseTitle } from './csv.ts';
import type { FoundDataset } from './dataset.ts';
import { keyspaceCql, type MovieRow } from '../../schemas/cql.ts';

export const DATASET_FILES = ['ratings.csv', 'movies.csv', 'tags.csv', 'links.csv'] as const;

export function hdfsDatasetDir(name: string): string {
  return `/movielens/${name}`;
}

/** One movies.csv line (with the movie's links, if any) → row, or the reason it is rejected. */
export function parseMovieLine(line: string, links: Map<number, { imdbId: string | null; tmdbId: number | null }>): MovieRow | string {
  let fields: string[];
  try {
    fields = parseCsvLine(line);
  } catch (error) {
    return (error as Error).message;
  }
  if (fields.length !== 3) return `expected 3 columns (movieId,title,genres), found ${fields.length}`;
  const [id, rawTitle, genres] = fields as [string, string, string];
  if (!/^\d{1,15}$/.test(id) || Number(id) === 0) return `movieId is not a positive integer: "${id}"`;
  if (rawTitle.trim() === '') return 'empty title';
  const movieId = Number(id);
  const { title, year } = parseTitle(rawTitle);
  const link = links.get(movieId);
  return {
    movieId,
    title,
    year,
    genres: genres === '(no genres listed)' || genres === '' ? [] : genres.split('|'),
    imdbId: link?.imdbId ?? null,
    tmdbId: link?.tmdbId ?? null,
  };
}

async function readLinks(file: string): Promise<Map<number, { imdbId: string | null; tmdbId: number | null }>> {
  const links = new Map<number, { imdbId: string | null; tmdbId: number | null }>();
  if (!fs.existsSync(file)) return links;
  for await (const { first, lines } of readLines(file)) {
    for (let i = 0; i < lines.length; i++) {
      if (first + i === 1 || lines[i]!.length === 0) continue;
      const [id, imdb, tmdb] = parseCsvLine(lines[i]!);
      if (!id || !/^\d+$/.test(id)) continue;
      links.set(Number(id), { imdbId: imdb || null, tmdbId: tmdb && /^\d+$/.test(tmdb) ? Number(tmdb) : null });
    }
  }
  return links;
}

export interface LoadSummary {
  hdfsDir: string;
  filesUploaded: string[];
  bytesUploaded: number;
  movies: number;
  moviesRejected: number;
  rejectsFile: string;
  durationMs: number;
}

export async function loadDataset({
  dataset,
  hdfs,
  cassandra: client,
  keyspace,
  replication,
  rejectsFile,
  log = console.error,
}: {
  dataset: FoundDataset;
  hdfs: WebHdfs;
  cassandra: cassandra.Client;
  keyspace: string;
  replication?: string;
  rejectsFile: string;
  log?: (line: string) => void;
}): Promise<LoadSummary> {
  const started = performance.now();
  const hdfsDir = hdfsDatasetDir(dataset.name);
  const files = DATASET_FILES.filter((f) => fs.existsSync(path.join(dataset.dir, f)));
  const totalBytes = files.reduce((n, f) => n + fs.statSync(path.join(dataset.dir, f)).size, 0);
  const upload = createProgress({ label: `hdfs ${hdfsDir}`, unit: 'KiB', total: Math.ceil(totalBytes / 1024) });
  await hdfs.mkdirs(hdfsDir);
  for (const file of files) {
    let sent = 0;
    await hdfs.uploadFile(path.join(dataset.dir, file), `${hdfsDir}/${file}`, {
      onProgress: (bytes) => {
        upload.tick(Math.floor(bytes / 1024) - Math.floor(sent / 1024));
        sent = bytes;
      },
    });
  }
  upload.done(files.join(', '));

  await applyCassandraSchema(client, keyspace, replication);
  const links = await readLinks(path.join(dataset.dir, 'links.csv'));
  const insert = keyspaceCql(keyspace).insertMovie;
  fs.mkdirSync(path.dirname(rejectsFile), { recursive: true });
  const rejects = fs.createWriteStream(rejectsFile);
  const progress = createProgress({ label: `cassandra ${keyspace}.movies`, unit: 'movies' });
  let movies = 0;
  let rejected = 0;
  let pending: unknown[][] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await cassandra.concurrent.executeConcurrent(client, insert, pending, { concurrencyLevel: 64 });
    progress.tick(pending.length);
    pending = [];
  };
  for await (const { first, lines } of readLines(path.join(dataset.dir, 'movies.csv'))) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if ((first + i === 1 && line.startsWith('movieId,')) || line.length === 0) continue;
      const row = parseMovieLine(line, links);
      if (typeof row === 'string') {
        rejected++;
        rejects.write(`${JSON.stringify({ file: 'movies.csv', line: first + i, reason: row, raw: line })}\n`);
        continue;
      }
      movies++;
      pending.push([row.movieId, row.title, row.year, row.genres, row.imdbId, row.tmdbId]);
    }
    if (pending.length >= 5000) await flush();
  }
  await flush();
  await new Promise<void>((resolve) => rejects.end(resolve));
  progress.done(`${rejected} rejected${rejected ? ` (see ${rejectsFile})` : ''}`);
  log(`loaded ${dataset.name}: ${files.length} files into HDFS ${hdfsDir}, ${movies.toLocaleString('en-US')} movies into ${keyspace}.movies`);
  return { hdfsDir, filesUploaded: files, bytesUploaded: totalBytes, movies, moviesRejected: rejected, rejectsFile, durationMs: performance.now() - started };
}
