/**
 * The cluster drills' API load in a process of its own (system/drill-cluster.ts): GET
 * /users/:id/recommendations open-loop at --rate per second against --url until SIGTERM, then every
 * request's scheduled time, latency and status as one JSON line on stdout. The API key, if the API
 * wants one, comes from the environment as the drills' (system/environment.ts).
 */
import { parseArgs } from 'node:util';
import { runMain } from '../lib/run-main.ts';
import { apiLoad } from '../system/drill-kit.ts';

runMain(async () => {
  const { values } = parseArgs({ options: { url: { type: 'string' }, rate: { type: 'string', default: '40' } } });
  if (!values.url) throw new Error('--url of the API is required');
  const stopped = new Promise((resolve) => process.once('SIGTERM', resolve));
  const load = apiLoad({ apiUrl: values.url, env: process.env }, Number(values.rate));
  process.stdout.write('{"ready":true}\n');
  await stopped;
  process.stdout.write(`${JSON.stringify(await load.stop())}\n`);
});
