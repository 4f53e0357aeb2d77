/**
 * The whole loop on the real stack, as `npm start` runs it (its own keyspace, topics, jobs and
 * archive): ml-latest-small split by time, the history trained on, the speed layer and the API up,
 * the newer ratings replayed. A new user rates five movies through the API and gets personalised
 * recommendations within 2 seconds; the next batch run includes the streamed ratings through the
 * archive, and the API switches to the new model version with no failed request during the switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner } from '../batch/runner.ts';
import { createFlinkClient } from '../speed/flink-client.ts';
import { archivedEvents } from '../system/archive.ts';
import { waitFor } from '../lib/wait-for.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { apiKeyHeader, isolatedEnv } from '../system/environment.ts';
import { startSystem, type RunningSystem } from '../system/start.ts';
import { config as baseConfig, cancelJobs, createTopic, deleteTopic, silentLog, uniqueName } from './helpers.ts';
import { platformOf } from '../infra/platform.ts';
import { cassandraClient, kafkaClient } from '../lib/platform.ts';
import { ratingEventId } from '../ingest/ratings-csv.ts';
import { ratingSender } from '../system/drill-kit.ts';
import { consumerLag } from '../lib/kafka-admin.ts';
import { loadJobsConfig, speedJobName } from '../speed/jobs.ts';

const id = uniqueName('it_e2e');
// npm start's batch schedule on, looking every 30 s. A run is due at 12.5% more ratings than the
// model's 90,752: more than the replay brings (10,084), so it is the schedule test that makes it due
// (it produces the rest), after the first tests, however long they took
const historyRatings = 90_752;
const growth = 0.125;
const env: Record<string, string | undefined> = {
  ...isolatedEnv(id, { archiveRoot: '/it' }),
  BATCH_AUTO: 'true',
  BATCH_AUTO_GROWTH: String(growth),
  BATCH_AUTO_CHECK_SECONDS: '30',
  // Both runs (npm start's first and the scheduled one) fit ALS once, with 10 iterations: this test
  // checks the loop, not the model (batch.it and speed.it check that, with the defaults). In CI the
  // scheduled run, with four jobs and the API beside it on two cores, took over 15 min at the defaults.
  BATCH_FINAL_FIT: 'train',
  BATCH_ITERATIONS: '10',
  // online evaluation windows that close within the test
  ONLINE_EVAL_WINDOW_MINUTES: '2',
  ONLINE_EVAL_SLIDE_MINUTES: '1',
};
const prefix = env.JOBS_NAME_PREFIX!;
const stack = loadConfig(env);
const controller = new AbortController();
let system: RunningSystem;

async function call(pathname: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  // the harness's API key reads any user's data; a request with its own credential sends only that
  const headers = { 'content-type': 'application/json', ...(init.headers ? {} : apiKeyHeader(env)), ...(init.headers ?? {}) };
  const res = await fetch(`${system.api.url}${pathname}`, { ...init, headers });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

beforeAll(async () => {
  await Promise.all([createTopic(env.JOBS_TOPIC_RATINGS!, 4), createTopic(env.JOBS_TOPIC_DLQ!, 1)]);
  system = await startSystem({ stack, env, dataset: 'ml-latest-small', historyFraction: 0.9, rate: 400, log: silentLog, signal: controller.signal });
  // The promise below is the steady state's. A speed job just started first reads the history of
  // every user the replay brings (610 here, a bounded number at a time), and a new user's events
  // wait behind those reads: in CI a first row came 3.0 s after the fifth rating, a deletion's
  // 10.8 s after it. So the tests begin once the job has taken in the replay (about 25 s at
  // 400 events/s) and committed it at a checkpoint: lag 0.
  const started = performance.now();
  const kafka = kafkaClient(stack, 'it-e2e-lag');
  await waitFor(
    async () => {
      const lag = await consumerLag(kafka, speedJobName(loadJobsConfig(env)), env.JOBS_TOPIC_RATINGS!);
      if (lag === 0) return true;
      // thrown, so that a timeout says how far behind the job still was
      throw new Error(`lag ${lag} ratings ${((performance.now() - started) / 1000).toFixed(0)} s after the start`);
    },
    {
      delayMs: 1000,
      // a hang guard: about 25 s on a quiet machine; 180 s was too short for a slow CI machine,
      // where the job's first reads of 610 histories share two cores with npm start's other work
      maxWaitMs: 900_000,
      description: 'the speed job caught up with the replay',
    },
  );
  console.log(`end to end: the speed job took in the replay ${((performance.now() - started) / 1000).toFixed(1)} s after the start`);
}, 1_500_000); // a hang guard: npm start's start (a Spark run, four jobs, the replay): 11 min on a slow machine

afterAll(async () => {
  controller.abort();
  await system?.stop();
  await cancelJobs(prefix);
  await Promise.all([deleteTopic(env.JOBS_TOPIC_RATINGS!), deleteTopic(env.JOBS_TOPIC_DLQ!)]).catch(() => undefined);
});

/** the new user of the first test, who deletes a rating in the second: the batch drops that pair */
const userId = 900_001;
let asUser: Record<string, string> = {};
let picks: number[] = [];
let deletion: { eventId: string; movieId: number; archivedAt: number } | undefined;

/** A version's start time: versions are UTC timestamps, e.g. 20261125T120000Z. */
function versionStart(version: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(version);
  if (!m) throw new Error(`not a version: ${version}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Ratings of 4 stars produced to the ratings topic, as the replay would. */
async function produceRatings(ratings: { userId: number; movieId: number; ratedAt: number }[]): Promise<void> {
  const { send, close } = ratingSender({ stack }, env.JOBS_TOPIC_RATINGS!, 'it-e2e');
  try {
    for (let i = 0; i < ratings.length; i += 500) {
      await send(
        ratings
          .slice(i, i + 500)
          .map((r) => ({ ...r, eventId: ratingEventId(r.userId, r.movieId, r.ratedAt), rating: 4, source: 'API' as const, action: 'RATE' as const })),
      );
    }
  } finally {
    await close();
  }
}

/** The movies of the user's `user_ratings` rows, read from Cassandra itself. */
async function storedRatings(): Promise<number[]> {
  const cql = cassandraClient(stack, env.CASSANDRA_KEYSPACE);
  try {
    return (await cql.execute('SELECT movie_id FROM user_ratings WHERE user_id = ?', [userId], { prepare: true })).rows.map((r) => Number(r.movie_id));
  } finally {
    await cql.shutdown();
  }
}

describe('end to end', () => {
  it('a new user rates five movies through the API and gets personalised recommendations within 2 seconds', async () => {
    // npm start's demo sign-in, then everything as that user
    const token = (await call('/session', { method: 'POST', body: JSON.stringify({ userId }), headers: {} })).body.token;
    asUser = { authorization: `Bearer ${token}` };
    const popular = await call(`/users/${userId}/recommendations?limit=10`, { headers: asUser });
    expect(popular.body.source).toBe('popular');
    expect((await call('/users/1/recommendations', { headers: asUser })).status).toBe(403);
    picks = popular.body.items.slice(0, 5).map((m: { movieId: number }) => m.movieId);
    let last = 0;
    for (const [i, movieId] of picks.entries()) {
      const res = await call(`/users/${userId}/ratings`, {
        method: 'POST',
        body: JSON.stringify({ movieId, rating: i % 2 === 0 ? 5 : 1 }),
        headers: asUser,
      });
      expect(res.status).toBe(202);
      last = performance.now();
    }
    let seen: unknown;
    const personal = await waitFor(
      async () => {
        const r = (await call(`/users/${userId}/recommendations?limit=10`, { headers: asUser })).body;
        seen = { source: r.source, modelVersion: r.modelVersion, computedAt: r.computedAt, items: r.items?.map((i: { movieId: number }) => i.movieId) };
        return r.source === 'speed' && picks.every((p: number) => !r.items.some((i: { movieId: number }) => i.movieId === p)) ? r : undefined;
      },
      { delayMs: 50, maxWaitMs: 10_000, description: 'personalised recommendations' },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; picks ${picks.join(',')}; last answer ${JSON.stringify(seen)}`, { cause: error });
    });
    const ms = performance.now() - last;
    console.log(`end to end: five ratings through the API → personalised recommendations ${ms.toFixed(0)} ms after the last one`);
    expect(ms).toBeLessThan(2000);
    expect(personal.items.map((i: { movieId: number }) => i.movieId)).not.toEqual(popular.body.items.map((i: { movieId: number }) => i.movieId));
  });

  it('the running jobs log in through the client security file: its path is in what Flink shows of them, no password is', async () => {
    const flink = createFlinkClient({ rest: baseConfig.flink });
    const running = (await flink.listJobs()).filter((j) => j.name.startsWith(prefix) && j.state === 'RUNNING');
    expect(running.map((j) => j.name.slice(prefix.length)).sort()).toEqual(['archive', 'online-eval', 'speed-recommender', 'trending']);
    const passwords = [stack.kafka.security.password, stack.cassandra.credentials?.password].filter((p): p is string => Boolean(p));
    expect(passwords).toHaveLength(2); // the stack is secured (test/secured-stack.it.test.ts)
    for (const job of running) {
      const { params } = await flink.jobConfig(job.jid);
      expect(params['client.security.file'], job.name).toBe(stack.flink.clientSecurityFile);
      for (const password of passwords) expect(JSON.stringify(params), job.name).not.toContain(password);
    }
  });

  it('the user deletes a rating: the speed layer folds them in again without it (= the basket of the other four), the row goes, the archive keeps it', async () => {
    // the speed row of the first test, or, if the scheduled batch has switched models since, the new
    // model's batch row (it knows the five ratings): either way the deletion gives a new speed row
    const before = (await call(`/users/${userId}/recommendations?limit=10`, { headers: asUser })).body;
    expect(['speed', 'batch']).toContain(before.source);
    const [gone, ...kept] = picks as [number, ...number[]];
    const res = await call(`/users/${userId}/ratings/${gone}`, { method: 'DELETE', headers: asUser });
    expect(res.status).toBe(202);
    const sent = performance.now();
    // the API lists the other four (their rows come from the speed layer's user_ratings sink, which
    // may land after its speed row), never the deleted one (read-your-writes) ...
    const same = (a: number[], b: number[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
    const listed = async () => (await call(`/users/${userId}/ratings`, { headers: asUser })).body.ratings as { movieId: number; rating: number }[];
    const ratings = await waitFor(
      async () => {
        const r = await listed();
        expect(r.map((x) => x.movieId)).not.toContain(gone);
        return same(
          r.map((x) => x.movieId),
          kept,
        )
          ? r
          : undefined;
      },
      { delayMs: 50, maxWaitMs: 10_000, description: `the ratings listed: ${kept.join(', ')}` },
    );
    // ... the speed row becomes the fold-in of those four: what the basket route gives for them (a row
    // computed in between, e.g. on a model switch, may come first) ...
    const basket = await call('/recommendations', {
      method: 'POST',
      body: JSON.stringify({ items: ratings.map((r) => ({ movieId: r.movieId, rating: r.rating })), limit: 10 }),
      headers: asUser,
    });
    expect(basket.status).toBe(200);
    const expected = JSON.stringify(basket.body.items.map((i: { movieId: number }) => i.movieId));
    let seen = '';
    const after = await waitFor(
      async () => {
        const r = (await call(`/users/${userId}/recommendations?limit=10`, { headers: asUser })).body;
        seen = `${r.source} ${r.computedAt} ${JSON.stringify(r.items.map((i: { movieId: number }) => i.movieId))}`;
        return r.source === 'speed' && JSON.stringify(r.items.map((i: { movieId: number }) => i.movieId)) === expected ? r : undefined;
      },
      { delayMs: 50, maxWaitMs: 10_000, description: `the speed row equal to the basket ${expected}` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; last answer ${seen}`, { cause: error });
    });
    const ms = performance.now() - sent;
    expect(after.items.map((i: { movieId: number }) => i.movieId)).not.toEqual(before.items.map((i: { movieId: number }) => i.movieId));
    // ... and the speed layer deleted the stored row
    await waitFor(async () => (same(await storedRatings(), kept) ? true : undefined), {
      delayMs: 50,
      maxWaitMs: 10_000,
      description: `user_ratings holding ${kept.join(', ')} only`,
    });

    const hdfs = createWebHdfs({ baseUrl: baseConfig.hdfs.webUrl, user: baseConfig.hdfs.user });
    await waitFor(async () => ((await archivedEvents(hdfs, env.ARCHIVE_PATH!)).has(res.body.eventId) ? true : undefined), {
      delayMs: 1000,
      maxWaitMs: 60_000,
      description: 'the deletion in the archive',
    });
    deletion = { eventId: res.body.eventId, movieId: gone, archivedAt: Date.now() };
    console.log(`end to end: a deleted rating → a speed row without it ${ms.toFixed(0)} ms after the DELETE, equal to the basket of the other ${kept.length}`);
  });

  it("npm start's schedule retrains on the streamed ratings by itself, and the API switches to the new model with no failed request", async () => {
    // what makes the run due: older ratings of the dataset's users (the speed layer only adds them
    // to their histories), as many as the replay left to the threshold, and a few more
    const needed = system.batchPlan()?.neededRatings ?? Math.ceil(historyRatings * growth);
    expect(system.liveTotal, 'the replay alone does not make the run due').toBeLessThan(needed);
    const dayAgo = Date.now() - 86_400_000;
    await produceRatings(
      Array.from({ length: needed - system.liveTotal + 100 }, (_, i) => ({ userId: 1 + (i % 610), movieId: picks[i % picks.length]!, ratedAt: dayAgo + i })),
    );
    const before = system.api.state.current()!.version;
    const failures: string[] = [];
    let requests = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const r = await call(`/users/${1 + (requests % 610)}/recommendations?limit=10`).catch((e: unknown) => ({ status: 0, body: String(e) }));
        requests++;
        if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(r.body)}`);
        // a steady trickle (about 5 requests/s), not a load: the switch is what is under test, and
        // the machine's two cores are the Spark run's
        await new Promise((res) => setTimeout(res, 200));
      }
    })();

    // The online evaluation: a planted hit, while the scheduled run trains (its windows close in the
    // meantime). Its windows (2 min, sliding by 1) must hold no other rating made now: the replay and
    // the first tests' ratings were all made before the deletion was archived, so it is made 2 min after that. The
    // older ratings that made the run due are far behind the watermark: late, in no window.
    await new Promise((res) => setTimeout(res, Math.max(0, (deletion?.archivedAt ?? 0) + 125_000 - Date.now())));
    // A new user, served the popular list, rates its first movie; the online-eval job (caught up
    // with the replay by now, which it read as a backlog, so too late to know what was on those
    // users' pages) looks up what the user was served before the speed layer's first row for them
    // (at least its 50 ms coalescing later)
    const planted = 900_002;
    const plantedToken = (await call('/session', { method: 'POST', body: JSON.stringify({ userId: planted }), headers: {} })).body.token;
    const asPlanted = { authorization: `Bearer ${plantedToken}` };
    const shown = (await call(`/users/${planted}/recommendations?limit=10`, { headers: asPlanted })).body;
    expect(shown.source).toBe('popular');
    const posted = await call(`/users/${planted}/ratings`, {
      method: 'POST',
      body: JSON.stringify({ movieId: shown.items[0].movieId, rating: 5 }),
      headers: asPlanted,
    });
    expect(posted.status).toBe(202);
    // the eventId is user:movie:ratedAt
    const plantedAt = Number(String(posted.body.eventId).split(':')[2]);
    const switched = await waitFor(async () => (system.api.state.current()!.version !== before ? system.api.state.current()!.version : undefined), {
      delayMs: 200,
      // a hang guard: the next look (30 s) and a Spark run, 4 to 15 min on a CI machine
      maxWaitMs: 1_500_000,
      description: 'a scheduled batch run and the API on its model',
    });
    await new Promise((r) => setTimeout(r, 2000));
    stop = true;
    await load;
    const runner = createBatchRunner({
      platform: platformOf(stack),
      batch: loadBatchConfig({ ...env, BATCH_DATASET: 'ml-latest-small-history' }),
      log: silentLog,
    });
    const next = (await runner.status()).find((m) => m.version === switched)!;
    const plan = system.batchPlan();
    console.log(
      `end to end: scheduled batch ${next.version} over ${next.counts.ratings} ratings; ${requests} requests during the run and the switch, ${failures.length} failed; schedule now: ${plan?.reason}`,
    );
    // the history plus every replayed rating, through the archive (the ratings that made the run due
    // re-rate movies the dataset's users had mostly rated already, and count once per pair)
    expect(next.counts.ratings).toBeGreaterThanOrEqual(historyRatings + system.liveTotal);
    // the deletion was archived before the run began (its version is its start, in UTC): it dropped the pair
    expect(deletion, 'the deletion test ran').toBeDefined();
    expect(versionStart(next.version), 'the run began after the deletion was archived').toBeGreaterThan(deletion!.archivedAt);
    expect(next.counts.deleted_pairs).toBe(1);
    expect(next.counts.deletions_read).toBe(1);
    // the batch rewrote the user's other ratings; the deleted one stays deleted
    expect((await storedRatings()).sort()).toEqual(picks.filter((p) => p !== deletion!.movieId).sort());
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(100);
    expect((await call('/users/1/recommendations')).body.modelVersion).toBe(next.version);
    // the schedule looks on from the new model
    await waitFor(async () => (system.batchPlan()?.reason.includes(`since ${next.version}`) ? true : undefined), {
      delayMs: 1000,
      maxWaitMs: 90_000,
      description: 'the schedule on the new model',
    });

    // its windows (2 min, sliding by 1) close once the stream is idle for 30 s and the watermark's 60 s pass
    const popularHits = async () => {
      const cql = cassandraClient(stack, env.CASSANDRA_KEYSPACE);
      try {
        const rows = (await cql.execute('SELECT window_end, source, hits FROM online_hits WHERE window_name = ?', ['2m/1m'], { prepare: true })).rows;
        const ends = [...new Set(rows.map((r) => (r.get('window_end') as Date).getTime()))].filter((end) => end > plantedAt && end - 120_000 <= plantedAt);
        const popular = rows.filter((r) => r.get('source') === 'popular' && ends.includes((r.get('window_end') as Date).getTime()));
        if (ends.length === 2 && popular.length === 2) return popular;
        // thrown, so that a timeout says what the job had written by then
        throw new Error(
          `windows ${ends.map((e) => new Date(e).toISOString()).join(', ') || 'none'} around ${new Date(plantedAt).toISOString()}, ${popular.length} popular rows; newest window end ${new Date(Math.max(0, ...rows.map((r) => (r.get('window_end') as Date).getTime()))).toISOString()}, now ${new Date().toISOString()}`,
        );
      } finally {
        await cql.shutdown();
      }
    };
    const plantedRows = await waitFor(popularHits, {
      delayMs: 2000,
      // a hang guard: the later window closes about 3 min after the rating (its end, then the
      // watermark's 60 s); 300 s was too short for a slow CI machine
      maxWaitMs: 600_000,
      description: 'the two online-eval windows holding the planted rating',
    });
    expect(plantedRows.map((r) => Number(r.get('hits')))).toEqual([1, 1]);
    const online = (await call('/metrics/online')).body;
    console.log(
      `end to end: online hit rate@10, window ${online.window} ending ${online.windowEnd}: ${online.rates
        .map((r: { source: string; modelVersion: string; ratings: number; hits: number }) => `${r.source} ${r.modelVersion || '-'} ${r.hits}/${r.ratings}`)
        .join('; ')}`,
    );
    expect(online.window).toBe('2m/1m');
    for (const r of online.rates) expect(['speed', 'batch', 'popular']).toContain(r.source);
    const scraped = await (await fetch(`${system.api.url}/metrics`)).text();
    await waitFor(async () => ((await (await fetch(`${system.api.url}/metrics`)).text()).includes('online_hit_rate{') ? true : undefined), {
      delayMs: 1000,
      maxWaitMs: 30_000,
      description: 'online_hit_rate in /metrics',
    });
    expect(scraped).toContain('# HELP online_hit_rate');

    // and every replayed rating reaches the archive exactly as produced (part files roll every 2 s, then a checkpoint)
    const replay = await system.replay;
    expect(replay?.produced).toBe(system.liveTotal);
    const hdfs = createWebHdfs({ baseUrl: baseConfig.hdfs.webUrl, user: baseConfig.hdfs.user });
    await waitFor(
      async () => ([...(await archivedEvents(hdfs, env.ARCHIVE_PATH!)).values()].reduce((a, b) => a + b, 0) >= system.liveTotal + 5 ? true : undefined),
      { delayMs: 2000, maxWaitMs: 180_000, description: 'the replayed ratings in the archive' },
    );
  }, 2_700_000); // a hang guard: the scheduled run (up to 1,500 s) and the online windows (up to 600 s)
});
