/**
 * npm run status: the whole system at a glance: each engine, the Flink jobs (state, last
 * checkpoint, Kafka consumer lag), the current model (version, age, metrics), the API's request
 * rate and latency over the last minute, and the online evaluation's hit rates (online-eval job).
 */
import { loadApiConfig } from '../serving/config.ts';
import { loadConfig } from '../infra/config.ts';
import { createStack, formatStatus } from '../infra/stack.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner } from '../batch/runner.ts';
import { createControlPlane } from '../speed/control-plane.ts';
import { loadJobsConfig, speedJobName } from '../speed/jobs.ts';
import { sinkStall } from '../speed/stall.ts';
import { describeError } from '../lib/errors.ts';
import { consumerLag } from '../lib/kafka-admin.ts';
import { formatDuration } from '../lib/progress.ts';
import { runMain } from '../lib/run-main.ts';
import { withDeadline } from '../lib/wait-for.ts';
import { kafkaClient } from '../lib/platform.ts';
import { platformOf } from '../infra/platform.ts';

/** How long each section may take before status reports it unavailable and goes on. */
const SECTION_DEADLINE_MS = 15_000;

runMain(async () => {
  const stack = loadConfig();
  const jobs = loadJobsConfig();
  const api = loadApiConfig();
  console.log('engines');
  console.log(formatStatus(await createStack({ config: stack, log: () => {} }).status()));

  console.log('\nFlink jobs');
  try {
    const plane = createControlPlane({ platform: platformOf(stack), jobs, log: () => {} });
    const statuses = await withDeadline(plane.status(), SECTION_DEADLINE_MS, 'the Flink jobs');
    for (const j of statuses) {
      const lag = j.jid ? await consumerLag(kafkaClient(stack, 'moviereco-status'), j.name, jobs.topics.ratings).catch(() => undefined) : undefined;
      const cp = j.lastCheckpointAgeMs === undefined ? '-' : `${formatDuration(j.lastCheckpointAgeMs)} ago`;
      console.log(
        `  ${j.name.padEnd(22)} ${j.state.padEnd(13)} checkpoint ${cp.padEnd(12)} lag ${lag === undefined ? '-' : lag.toLocaleString('en-US')} (as of the last checkpoint)${j.drift.length ? `  drift: ${j.drift.join('; ')}` : ''}`,
      );
    }
    // the stall alarm: valid ratings rising while the speed job's sink writes nothing
    const speed = statuses.find((j) => j.name === speedJobName(jobs) && j.state === 'RUNNING' && j.jid);
    if (speed?.jid) {
      const before = await plane.sinkSample(speed.jid);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const after = await plane.sinkSample(speed.jid);
      const alarm = before && after ? sinkStall(before, after) : undefined;
      console.log(
        alarm
          ? `  ALARM ${speed.name}: ${alarm}`
          : `  ${speed.name} sink: ${after ? `${after.valid - (before?.valid ?? 0)} valid ratings, ${after.written - (before?.written ?? 0)} rows written in the last 3 s` : 'no counters yet'}`,
      );
    }
  } catch (error) {
    console.log(`  unavailable: ${describeError(error).split('\n')[0]}`);
  }

  console.log('\nmodel');
  try {
    const runner = createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(), log: () => {} });
    // the model's pointer lives in Cassandra: a frozen node must not hang the whole status
    const models = await withDeadline(runner.status(), SECTION_DEADLINE_MS, 'the model status');
    const current = models.find((m) => m.current);
    const announced = current ? await withDeadline(runner.announcedVersion(), SECTION_DEADLINE_MS, 'the announcement').catch(() => undefined) : undefined;
    console.log(
      current
        ? `  ${current.version} current for ${formatDuration(Date.now() - current.createdAt.getTime())}, data up to ${current.dataCutoff?.toISOString() ?? '-'}, RMSE ${current.metrics.rmse?.toFixed(4) ?? '-'}, NDCG@10 ${current.metrics['ndcg@10']?.toFixed(4) ?? '-'} (${models.length} versions kept)`
        : '  none yet: npm run batch -- run',
    );
    if (current) {
      // the last run is the current model's; the next is what the schedule waits for (npm start runs it unless BATCH_AUTO=false)
      const plan = await withDeadline(runner.plan(), SECTION_DEADLINE_MS, 'the schedule').catch((e: unknown) => ({
        reason: `unknown (${describeError(e).split('\n')[0]})`,
      }));
      console.log(`  last run ${current.createdAt.toISOString()}; next: ${plan.reason}`);
    }
    if (current && announced !== current.version) {
      console.log(
        `  switched, not announced (last announced: ${announced ?? 'none'}): the speed layer may fold in with another model; npm run batch -- announce`,
      );
    }
  } catch (error) {
    console.log(`  unavailable: ${describeError(error).split('\n')[0]}`);
  }

  console.log('\nAPI');
  try {
    const url = `http://${api.host}:${api.port}`;
    const summary = (await (await fetch(`${url}/metrics/summary`, { signal: AbortSignal.timeout(SECTION_DEADLINE_MS) })).json()) as {
      perSecond: number;
      p50Ms: number;
      p99Ms: number;
    };
    const ready = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(SECTION_DEADLINE_MS) });
    console.log(
      `  ${url} ${ready.ok ? 'ready' : `not ready (${ready.status})`}: ${summary.perSecond.toFixed(1)} req/s over the last minute, p50 ${summary.p50Ms.toFixed(1)} ms, p99 ${summary.p99Ms.toFixed(1)} ms`,
    );
    const online = (await (await fetch(`${url}/metrics/online`, { signal: AbortSignal.timeout(SECTION_DEADLINE_MS) })).json()) as {
      window: string | null;
      windowEnd: string | null;
      rates: { source: string; modelVersion: string; ratings: number; hits: number; hitRate: number }[];
    };
    console.log(
      online.windowEnd
        ? `  online hit rate@10, window ${online.window} ending ${online.windowEnd}: ${online.rates.map((r) => `${r.source} ${r.modelVersion || '-'} ${(100 * r.hitRate).toFixed(1)}% of ${r.ratings.toLocaleString('en-US')}`).join('; ')}`
        : '  online hit rate@10: no closed window yet (online-eval job)',
    );
  } catch {
    console.log('  not running (npm start, or npm run api)');
  }
});
