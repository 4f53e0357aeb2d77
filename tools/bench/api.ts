/**
 * API benchmark: requests/s and p50/p99 latency of GET /users/:id/recommendations over a realistic
 * mix of user ids (the dataset's users with batch and speed rows, a fifth unknown users served
 * popular movies), beside a trivial Hono route (/health) of the same server in the same run. The
 * API runs as its own process on the running stack (keyspace bench_speed, as bench:freshness
 * leaves it; a model is trained there first if missing); autocannon drives it from this process.
 * Prints a table and writes bench-results/.
 *
 *   npm run bench:api [-- --seconds 20 --connections 16 --rate 2000]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { findDataset } from '../../ingest/datasets/dataset.ts';
import { loadDataset } from '../../ingest/datasets/load.ts';
import { loadConfig } from '../../infra/config.ts';
import { loadBatchConfig } from '../../batch/config.ts';
import { createBatchRunner } from '../../batch/runner.ts';
import { createWebHdfs } from '../../lib/webhdfs.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { cassandraClient } from '../../lib/platform.ts';
import { platformOf } from '../../infra/platform.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, connections: { type: 'string', default: '16' }, rate: { type: 'string', default: '2000' } },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rate = Number(values.rate);
const env = {
  ...process.env,
  CASSANDRA_KEYSPACE: 'bench_speed',
  BATCH_MODEL_NAME: 'als-bench-speed',
  BATCH_DATASET: 'ml-latest-small',
  ARCHIVE_PATH: '/bench/events',
  API_PORT: '3100',
  API_HOST: '127.0.0.1',
};
const stack = loadConfig(env);

// the movies (titles, links) and a model in the bench keyspace
const dataset = await findDataset('ml-latest-small');
const cql = cassandraClient(stack);
const hasModel = await cql
  .execute('SELECT version FROM bench_speed.current_model WHERE model_name = ?', ['als-bench-speed'], { prepare: true })
  .then((r) => r.rowLength > 0)
  .catch(() => false);
const hasTitles = await cql
  .execute('SELECT title FROM bench_speed.movies WHERE movie_id = 1', [], { prepare: true })
  .then((r) => !!r.first()?.get('title'))
  .catch(() => false);
if (!hasTitles)
  await loadDataset({
    dataset,
    hdfs: createWebHdfs({ baseUrl: stack.hdfs.webUrl, user: stack.hdfs.user }),
    cassandra: cql,
    keyspace: 'bench_speed',
    rejectsFile: path.join(stack.dirs.tmp, 'bench-api-rejects.csv'),
  });
await cql.shutdown();
if (!hasModel) await createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(env) }).run();

const server = spawn(process.execPath, ['--import', 'tsx', path.join(stack.repoRoot, 'tools', 'api.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = 'http://127.0.0.1:3100';
await waitFor(async () => ((await fetch(`${url}/ready`).catch(() => undefined))?.ok ? true : undefined), {
  delayMs: 500,
  maxWaitMs: 60_000,
  description: 'the API ready',
});

const random = (n: number) => Math.floor(Math.random() * n);
const userPath = () => `/users/${random(5) === 0 ? 5_000_000 + random(1_000_000) : 1 + random(610)}/recommendations?limit=10`;

interface Run {
  route: string;
  mode: string;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(route: string, mode: string, options: Partial<autocannon.Options>): Promise<Run> {
  const result = await autocannon({ url, connections, duration: seconds, ...options });
  const run = {
    route,
    mode,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
  console.log(`  ${route} ${mode}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}, non-2xx ${run.non2xx}`);
  return run;
}

console.log(`warm-up 5 s; then ${seconds} s per run, ${connections} connections`);
await autocannon({ url, connections, duration: 5, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: userPath() }) }] });
const runs: Run[] = [];
runs.push(await load('GET /health (trivial Hono route)', 'max', { requests: [{ method: 'GET', path: '/health' }] }));
runs.push(await load('GET /users/:id/recommendations', 'max', { requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: userPath() }) }] }));
runs.push(
  await load('GET /users/:id/recommendations', `${rate} req/s`, {
    overallRate: rate,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: userPath() }) }],
  }),
);
server.kill('SIGTERM');

const ratio = runs[1]!.rps / runs[0]!.rps;
const header = `API benchmark ${new Date().toISOString()}: autocannon, ${connections} connections, ${seconds} s per run, API and load generator as two processes on the same 2 cores as the whole stack; user ids: the 610 dataset users (speed or batch rows) and a fifth unknown users (popular); each request reads the speed row and one slice of the user's ratings (batch rows of the current version are cached in the API).`;
const table = [
  '| route | load | requests | req/s | p50 ms | p90 ms | p99 ms | errors | non-2xx |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...runs.map(
    (r) =>
      `| ${r.route} | ${r.mode} | ${r.requests.toLocaleString('en-US')} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
  ),
].join('\n');
const summary = `${header}\n\n${table}\n\nRatio of recommendations to the trivial route at full load: ${ratio.toFixed(2)}.\n`;
console.log(`\n${summary}`);
const outDir = path.join(stack.repoRoot, 'bench-results');
fs.mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '');
fs.writeFileSync(path.join(outDir, `api-${stamp}.md`), summary);
fs.writeFileSync(path.join(outDir, `api-${stamp}.json`), JSON.stringify({ header, runs, ratio }, null, 2));
process.exit(0);
