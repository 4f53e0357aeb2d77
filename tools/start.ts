/**
 * npm start [-- --dataset ml-latest-small --history 0.9 --rate 20]: the whole recommender on this
 * machine (see system/start.ts), then a live status line. Ctrl-C stops the replay and
 * the API cleanly; the engines and Flink jobs keep running (npm run stack -- down stops them),
 * and running it again resumes.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';
import { startSystem } from '../system/start.ts';

runMain(async (argv) => {
  const { values } = parseArgs({
    args: argv,
    options: { dataset: { type: 'string', default: 'ml-latest-small' }, history: { type: 'string', default: '0.9' }, rate: { type: 'string', default: '20' } },
  });
  const historyFraction = Number(values.history);
  const rate = Number(values.rate);
  if (!(historyFraction > 0 && historyFraction < 1)) throw new ConfigError(`--history must be between 0 and 1, not ${values.history}`);
  if (!(rate > 0)) throw new ConfigError(`--rate must be a positive number of events/s, not ${values.rate}`);
  const started = performance.now();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const system = await startSystem({
    stack: loadConfig(),
    env: process.env,
    dataset: values.dataset,
    historyFraction,
    rate,
    log: (l) => console.log(l),
    signal: controller.signal,
  });
  console.log(
    `\nready in ${((performance.now() - started) / 1000).toFixed(1)} s\n  web page and API  ${system.api.url}/\n  API docs          ${system.api.url}/docs (OpenAPI: /openapi.json)\n  Flink dashboard   ${loadConfig().flink.restUrl}/\n  status            npm run status\nCtrl-C stops the replay, the batch schedule and the API; the engines keep running (npm run stack -- down).\n`,
  );
  const line = () => {
    const m = system.api.metrics.recent();
    const current = system.api.state.current();
    const plan = system.batchPlan();
    const next = plan
      ? ` (next batch: ${plan.due ? 'running' : `at ${plan.neededRatings.toLocaleString('en-US')} new ratings or ${new Date(plan.dueBy).toISOString().slice(0, 16).replace('T', ' ')} UTC`})`
      : '';
    return `replayed ${system.replayed().toLocaleString('en-US')}/${system.liveTotal.toLocaleString('en-US')} · model ${current?.version ?? '-'}${next} · API ${m.perSecond.toFixed(1)} req/s, p99 ${m.p99Ms.toFixed(0)} ms`;
  };
  const timer = setInterval(() => {
    if (process.stdout.isTTY) process.stdout.write(`\r${line()}   `);
  }, 1000);
  const logTimer = process.stdout.isTTY ? undefined : setInterval(() => console.log(line()), 30_000);
  const finished = await Promise.race([
    system.replay.then(() => 'done' as const),
    new Promise<'stopped'>((r) => controller.signal.addEventListener('abort', () => r('stopped'))),
  ]);
  if (finished === 'done' && !controller.signal.aborted) {
    console.log(`\n${line()}\nthe replay is complete; the API keeps serving until Ctrl-C`);
    await new Promise<void>((r) => controller.signal.addEventListener('abort', () => r()));
  }
  clearInterval(timer);
  if (logTimer) clearInterval(logTimer);
  console.log(`\nstopping: ${line()}`);
  await system.stop();
  console.log('stopped; run npm start again to resume');
});
