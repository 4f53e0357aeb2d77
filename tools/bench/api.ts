/**
 * API benchmark: GET /users/:id/recommendations beside the trivial GET /health of the same server,
 * in the same run, each open-loop at fixed rates (latency from each request's scheduled send time)
 * and closed-loop at its maximum. The API runs as its own process on the running stack, the load
 * generator (load-gen.ts) as another; this process only sets up, samples the API's CPU and memory
 * from /proc, and reports. Users: Zipf-skewed (s = 1) over all the dataset's user ids, plus a fifth
 * unknown users (popular movies). Prints a table and writes bench-results/api-<time>.{md,json}.
 *
 *   npm run bench:api [-- --dataset ml-latest-small --rates 1000,2000,4000 --seconds 20 --connections 32 --speed-users N --rating-rate 50]
 *   npm run bench:api -- --dataset data/generated/generated-32m-s42 --users 200948
 *   npm run bench:api -- --dataset data/generated/generated-32m-s42 --keyspace bench_batch --model als-bench
 *   npm run bench:api -- --nice=-10      (the API and the load generator ahead of the engines; root)
 *   npm run bench:api -- --profile       (a CPU profile of the API, written to bench-results/ as it stops)
 *
 * --keyspace and --model serve a model trained already, e.g. bench:batch's (keyspace bench_batch,
 * model als-bench), instead of training the dataset again in the bench's own keyspace.
 *
 * ml-latest-small runs in bench:freshness's keyspace, jobs and topics (bench_speed); another dataset
 * in a keyspace of its own, loaded and trained if missing. Before the load, the bench's speed job
 * writes speed rows for the busiest users from one rating each (--speed-users, a tenth of the users
 * up to 20,000), and ratings stream in during the run (--rating-rate, 50/s): speed-rows.ts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../infra/config.ts';
import { loadApiConfig } from '../../serving/config.ts';
import { waitFor } from '../../lib/wait-for.ts';
import { promValue } from '../../lib/prom-text.ts';
import { closedLoopCostRatio, closedLoopRatio, formatTable, type LoadPlan, type LoadResult, type LoadStep, type StepReport } from './api-report.ts';
import { type StallSample, stallsBetween } from './api-stalls.ts';
import { maxUserId } from './dataset-users.ts';
import { benchModel, ensureBenchModel } from './bench-model.ts';
import { createBenchRatings } from './speed-rows.ts';
import { clockTicksPerSecond, cpuShare, type ProcSample, sampleProcTree } from './proc-stats.ts';
import { cpuCheckMs } from './cpu-check.ts';
import { apiKeyHeader, harnessCredentials } from '../../system/environment.ts';
import { parseNice, raisePriority, runQueueWaitMs } from '../../lib/scheduling.ts';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-latest-small' },
    users: { type: 'string' },
    rates: { type: 'string', default: '1000,2000,4000' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '32' },
    sockets: { type: 'string', default: '256' },
    warmup: { type: 'string', default: '10' },
    limit: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    'speed-users': { type: 'string' },
    'rating-rate': { type: 'string', default: '50' },
    keyspace: { type: 'string' },
    model: { type: 'string' },
    nice: { type: 'string', default: '0' },
    profile: { type: 'boolean', default: false },
  },
});
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
if (rates.some((r) => !(r > 0)) || !(seconds > 0) || !(connections > 0)) throw new Error('--rates, --seconds and --connections must be positive numbers');
const nice = parseNice(values.nice);

const target = await benchModel({ dataset: values.dataset, keyspace: values.keyspace, model: values.model });
const { dataset, small, slug, keyspace } = target;
const env = {
  ...process.env,
  ...target.env,
  // the speed job and topics of the bench (bench:freshness's for ml-latest-small)
  JOBS_NAME_PREFIX: small ? 'bench-' : `bench-api-${slug.replace(/_/g, '-')}-`,
  JOBS_TOPIC_RATINGS: small ? 'bench_ratings' : `bench_api_${slug}_ratings`,
  JOBS_TOPIC_DLQ: small ? 'bench_ratings_dlq' : `bench_api_${slug}_dlq`,
  ...(small ? { JOBS_STARTING_OFFSETS: 'latest' } : {}),
  API_PORT: '3100',
  API_HOST: '127.0.0.1',
  // the load generator reads as a host backend does, with an API key of its own
  ...harnessCredentials(process.env),
};
const stack = loadConfig(env);

// the movies (titles, links) and a model in the bench keyspace
await ensureBenchModel(target, stack, env);
const users = Number(values.users ?? (await maxUserId(path.join(dataset.dir, 'ratings.csv'))));

// speed rows written by the speed layer for the busiest tenth of the users (at most 20,000), and
// ratings trickling in during the run (the speed layer busy, the API's held rows invalidated)
const ratings = createBenchRatings({ stack, env, users, seed: Number(values.seed) });
const seeded = await ratings.seed(Number(values['speed-users'] ?? Math.min(20_000, Math.ceil(users / 10))), (line) => console.log(`  ${line}`));
const speedRows = seeded.rows;
console.log(
  `speed layer: ${seeded.users.toLocaleString('en-US')} users rated once, ${speedRows.toLocaleString('en-US')} speed rows in the keyspace (${seeded.seconds.toFixed(0)} s)`,
);
const ratingRate = Number(values['rating-rate']);
const trickle = ratingRate > 0 ? ratings.trickle(ratingRate) : undefined;

// The API and the load generator run as services do, each a session of its own (with the kernel's
// autogroups, a session shares the cores equally with each engine's); --nice raises both (root).
const asService = <T extends ReturnType<typeof spawn>>(child: T): T => {
  if (nice !== 0 && child.pid !== undefined) raisePriority(child.pid, nice);
  // only if the bench ends without stopping it: a second SIGTERM would cut the API's own stop short
  process.once('exit', () => child.exitCode === null && !child.killed && child.kill('SIGTERM'));
  return child;
};
const server = asService(
  spawn(
    process.execPath,
    [
      ...(values.profile ? ['--cpu-prof', '--cpu-prof-dir', path.join(stack.repoRoot, 'bench-results')] : []),
      '--import',
      'tsx',
      path.join(stack.repoRoot, 'tools', 'api.ts'),
    ],
    { env, stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  ),
);
const url = 'http://127.0.0.1:3100';
await waitFor(async () => ((await fetch(`${url}/ready`).catch(() => undefined))?.ok ? true : undefined), {
  delayMs: 500,
  maxWaitMs: 60_000,
  description: 'the API ready',
});
// the API loads the model's batch rows and indexes the speed rows in the background after it starts
// (serving/view-loader.ts); the steps measure the state it then serves from, and the load is reported
const viewsStarted = Date.now();
const { viewPreload: preload, workers } = loadApiConfig(env);
// each poll on a new connection: with API_WORKERS the workers take connections in turn, and all must be loaded
const metricsText = () =>
  new Promise<string>((resolve, reject) => {
    http
      .get(`${url}/metrics`, { agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
let loadedPolls = 0;
const views = await waitFor(
  async () => {
    const text = await metricsText();
    const complete = promValue(text, 'api_batch_view_complete') === 1;
    const indexed = promValue(text, 'api_speed_view_indexed');
    // API_VIEW_PRELOAD=false (rows filled on demand, the design before it): nothing to wait for
    loadedPolls = complete && indexed > 0 ? loadedPolls + 1 : 0;
    return !preload || loadedPolls >= workers
      ? {
          loadSeconds: promValue(text, 'api_batch_view_load_seconds'),
          batchUsers: promValue(text, 'api_batch_view_users'),
          indexed,
          speedHeld: promValue(text, 'api_speed_view_users'),
        }
      : undefined;
  },
  { delayMs: 1000, maxWaitMs: 15 * 60_000, description: "the API's batch view loaded and speed view indexed" },
);
if (preload)
  console.log(
    `API views: ${views.batchUsers.toLocaleString('en-US')} batch rows held (loaded in ${views.loadSeconds.toFixed(1)} s), ` +
      `${views.indexed.toLocaleString('en-US')} users with a speed row indexed, ${views.speedHeld.toLocaleString('en-US')} speed rows held; ready ${((Date.now() - viewsStarted) / 1000).toFixed(0)} s after the API`,
  );

// the machine's speed now, the stack idle but for the speed layer: to compare runs of different days
const cpuCheck = cpuCheckMs();
console.log(`CPU check: ${cpuCheck.toFixed(0)} ms for the fixed workload of tools/bench/cpu-check.ts`);

const steps: LoadStep[] = [
  { name: 'warm-up', route: 'recommendations', mode: 'closed', connections, seconds: Number(values.warmup), warmup: true },
  { name: 'health max', route: 'health', mode: 'closed', connections, seconds },
  { name: 'recommendations max', route: 'recommendations', mode: 'closed', connections, seconds },
  ...rates.flatMap((rate): LoadStep[] => [
    { name: `health ${rate}/s`, route: 'health', mode: 'open', rate, seconds },
    { name: `recommendations ${rate}/s`, route: 'recommendations', mode: 'open', rate, seconds },
  ]),
];
const plan: LoadPlan = {
  url,
  users,
  unknownShare: 0.2,
  zipfS: 1,
  seed: Number(values.seed),
  limit: Number(values.limit),
  headers: apiKeyHeader(env),
  sockets: Number(values.sockets),
  timeoutMs: 10_000,
  maxOutstanding: 20_000,
  steps,
};
console.log(
  `${dataset.name}: ${users.toLocaleString('en-US')} known users (Zipf s=1) + 20% unknown; ${speedRows.toLocaleString('en-US')} speed rows, ${ratingRate} ratings/s during the run; ` +
    `${steps.length} steps of ${seconds} s (warm-up ${values.warmup} s), closed loop ${connections} connections, open loop up to ${values.sockets} sockets`,
);

// the API process while each step runs: CPU over the step, RSS sampled every 250 ms
const ticks = clockTicksPerSecond();
const reports: StepReport[] = [];
let before: ProcSample | undefined;
// what held up the API's event loop in a step (one API process only: with workers, /metrics is one worker's)
const stallSample = async (): Promise<StallSample | undefined> => {
  if (workers > 1) return undefined;
  // the scrape also restarts the API's event-loop lag window (prom-client resets it on each collect)
  return { waitMs: runQueueWaitMs(server.pid), text: await metricsText().catch(() => '') };
};
let stallsBefore: StallSample | undefined;
let peakRssKb = 0;
const sampler = setInterval(() => {
  const s = sampleProcTree(server.pid!);
  if (s) peakRssKb = Math.max(peakRssKb, s.rssKb);
}, 250);
const loadGen = asService(
  spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'load-gen.ts'), JSON.stringify(plan)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  }),
);
for await (const line of readline.createInterface({ input: loadGen.stdout })) {
  const event = JSON.parse(line) as { type: 'start' | 'result' | 'done'; index?: number; result?: LoadResult };
  if (event.type === 'start') {
    before = sampleProcTree(server.pid!);
    peakRssKb = before?.rssKb ?? 0;
    stallsBefore = await stallSample();
  } else if (event.type === 'result' && event.result) {
    const after = sampleProcTree(server.pid!);
    if (!before || !after) throw new Error('the API process is gone');
    const r = event.result;
    const stalls = stallsBetween(stallsBefore, await stallSample(), r.step.route);
    const report = {
      ...r,
      api: { cpu: cpuShare(before, after, ticks), rssMb: after.rssKb / 1024, peakRssMb: Math.max(peakRssKb, after.rssKb) / 1024, ...stalls },
    };
    if (!r.step.warmup) reports.push(report);
    console.log(
      `  ${r.step.name}${r.step.warmup ? ' (not reported)' : ''}: ${r.achieved.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, p99.9 ${r.p999.toFixed(2)} ms, ` +
        `non-2xx ${r.non2xx}, socket errors ${r.socketErrors}, load-gen loop delay max ${r.loadGenLoopDelayMaxMs?.toFixed(0) ?? '–'} ms, API ${report.api.cpu.toFixed(2)} cores, ${report.api.rssMb.toFixed(0)} MB, ` +
        `waited for a core ${stalls.runQueueWaitMs?.toFixed(0) ?? '–'} ms, loop delay max ${stalls.loopDelayMaxMs?.toFixed(0) ?? '–'} ms, GC ${stalls.gcMs?.toFixed(0) ?? '–'} ms, ` +
        `speed rows read ${stalls.speedReads ?? '–'}, API-side over 20 ms ${stalls.slowShare === undefined ? '–' : `${(stalls.slowShare * 100).toFixed(2)}%`}`,
    );
  }
}
clearInterval(sampler);
server.kill('SIGTERM');
const trickled = (await trickle?.stop()) ?? 0;
await ratings.close();
const exitCode = loadGen.exitCode ?? (await new Promise<number | null>((resolve) => loadGen.once('exit', resolve)));
if (exitCode !== 0) throw new Error(`the load generator exited with ${exitCode}; its steps so far: ${reports.length}`);

const ratio = closedLoopRatio(reports);
const header =
  `API benchmark ${new Date().toISOString()}: ${dataset.name} (keyspace ${keyspace}), ${users.toLocaleString('en-US')} known users drawn with a Zipf skew (s = 1) plus 20% unknown users, limit ${values.limit}; ` +
  `${speedRows.toLocaleString('en-US')} speed rows written by the speed layer (one rating each for the ${seeded.users.toLocaleString('en-US')} busiest users), and ${ratingRate} ratings/s streaming in during the run (${trickled.toLocaleString('en-US')} in all). ${
    preload
      ? `The API loaded its batch view (${views.batchUsers.toLocaleString('en-US')} users' rows) in ${views.loadSeconds.toFixed(1)} s, indexed ${views.indexed.toLocaleString('en-US')} speed rows and held ${views.speedHeld.toLocaleString('en-US')} before the steps.`
      : "API_VIEW_PRELOAD=false: the API fills its views on demand (each user's first request reads)."
  } Load generator and API (${workers > 1 ? `API_WORKERS=${workers}: CPU and RSS are the workers' and their primary's, summed` : 'one process'}) as separate processes, each a session of its own${nice !== 0 ? ` at nice ${nice}` : ''}, on the same ${os.availableParallelism()} cores as the whole stack. ` +
  `Open loop: requests sent on a fixed schedule, latency from the scheduled time (queueing counts); closed loop: ${connections} connections back to back. ${seconds} s per step after a ${values.warmup} s warm-up (${preload ? 'not reported' : "which fills the API's batch view for the busiest users; the tail is read as it comes"}). Latencies of 2xx answers. CPU check before the steps: ${cpuCheck.toFixed(0)} ms (tools/bench/cpu-check.ts; lower is faster).`;
const costRatio = closedLoopCostRatio(reports);
const summary =
  `${header}\n\n${formatTable(reports)}\n\nClosed-loop maximum of recommendations / trivial route in the same run: ${ratio === null ? 'n/a' : ratio.toFixed(2)}.\n` +
  `The API's CPU per closed-loop answer, trivial route / recommendations: ${costRatio === null ? 'n/a' : costRatio.toFixed(2)} (the ratio above if each route had the same share of the cores).\n`;
console.log(`\n${summary}`);
const outDir = path.join(stack.repoRoot, 'bench-results');
fs.mkdirSync(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '');
fs.writeFileSync(path.join(outDir, `api-${stamp}.md`), summary);
fs.writeFileSync(
  path.join(outDir, `api-${stamp}.json`),
  JSON.stringify(
    {
      header,
      dataset: dataset.name,
      nice,
      cpuCheckMs: cpuCheck,
      users,
      speedRows,
      seeded,
      ratingRate,
      trickled,
      views,
      plan,
      steps: reports,
      ratio,
      costRatio,
    },
    null,
    2,
  ),
);
process.exit(0);
