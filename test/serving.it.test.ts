/**
 * The serving layer on the real stack: a batch model of ml-latest-small, the movies loaded, the
 * speed job deployed, the API started in-process on a free port. The API answers from Cassandra;
 * a rating posted through it reaches Kafka, the speed layer and back within seconds; a browser
 * (playwright-core driving Debian's Chromium) rates a movie in the page and sees the list change.
 * Cassandra stopped under the API is the cassandra drill (test/drills.it.test.ts).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../serving/config.ts';
import { startApi, type RunningApi } from '../system/api-server.ts';
import { SHARED_DATASETS } from '../ingest/datasets/dataset.ts';
import { loadDataset } from '../ingest/datasets/load.ts';
import { ensureChromium } from '../infra/browser.ts';
import { loadConfig } from '../infra/config.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { createBatchRunner, type BatchResult } from '../batch/runner.ts';
import { createControlPlane } from '../speed/control-plane.ts';
import { loadJobsConfig } from '../speed/jobs.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { waitFor } from '../lib/wait-for.ts';
import { config as baseConfig, cancelJobs, createTopic, deleteTopic, silentLog, uniqueName } from './helpers.ts';
import { cassandraClient } from '../lib/platform.ts';
import { apiKeyHeader, harnessCredentials } from '../system/environment.ts';
import { signUserToken } from '../serving/test-auth.ts';
import { promValue } from '../lib/prom-text.ts';
import { platformOf } from '../infra/platform.ts';

const id = uniqueName('it_serve');
const prefix = `${id.replaceAll('_', '-')}-`;
const env: Record<string, string> = {
  CASSANDRA_KEYSPACE: id,
  JOBS_NAME_PREFIX: prefix,
  JOBS_TOPIC_RATINGS: `${id}_ratings`,
  JOBS_TOPIC_DLQ: `${id}_dlq`,
  BATCH_MODEL_NAME: id.replaceAll('_', '-'),
  BATCH_DATASET: id,
  ARCHIVE_PATH: `/it/${id}/events`,
  API_PORT: '0',
  API_MODEL_REFRESH_MS: '500',
  // the web page's sign-in is the demo's; the host application's tokens and key work beside it
  API_DEMO: 'true',
  ...harnessCredentials(),
};
const stack = loadConfig({ ...process.env, ...env });
let model: BatchResult;
let api: RunningApi;

async function call(pathname: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  // the harness's API key reads any user's data; a request with its own credential sends only that
  const headers = { 'content-type': 'application/json', ...(init.headers ? {} : apiKeyHeader(env)), ...(init.headers ?? {}) };
  const res = await fetch(`${api.url}${pathname}`, { ...init, headers });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => undefined) };
}

/** A user token as the host application signs it (API_JWT_SECRET shared with the API). */
function signIn(userId: number): string {
  return signUserToken(userId, {}, env.API_JWT_SECRET);
}

beforeAll(async () => {
  await Promise.all([createTopic(env.JOBS_TOPIC_RATINGS!, 4), createTopic(env.JOBS_TOPIC_DLQ!, 1)]);
  const hdfs = createWebHdfs({ baseUrl: baseConfig.hdfs.webUrl, user: baseConfig.hdfs.user });
  const cql = cassandraClient(stack);
  try {
    await loadDataset({
      dataset: { name: id, dir: path.join(SHARED_DATASETS, 'ml-latest-small'), source: 'shared' },
      hdfs,
      cassandra: cql,
      keyspace: id,
      rejectsFile: path.join(baseConfig.dirs.tmp, `${id}-rejects.csv`),
      log: silentLog,
    });
  } finally {
    await cql.shutdown();
  }
  model = await createBatchRunner({ platform: platformOf(stack), batch: loadBatchConfig(env), log: silentLog }).run({ version: 'v20260301T000000Z' });
  await createControlPlane({ platform: platformOf(stack), jobs: loadJobsConfig(env), log: silentLog }).deploy({ only: ['speed-recommender'] });
  api = await startApi({ stack, api: loadApiConfig(env), env, log: silentLog });
}, 1_500_000); // a hang guard: a Spark run, the movies and a deploy

afterAll(async () => {
  await api?.stop();
  await cancelJobs(prefix);
  await Promise.all([deleteTopic(env.JOBS_TOPIC_RATINGS!), deleteTopic(env.JOBS_TOPIC_DLQ!)]).catch(() => undefined);
});

describe('serving > API on the real stack', () => {
  it('is ready and serves batch recommendations with movie metadata, and movie pages with similar movies', async () => {
    expect((await call('/ready')).body).toEqual({ status: 'ready', modelVersion: model.version, movies: 9742 });
    const recs = await call('/users/1/recommendations?limit=10');
    expect(recs.status).toBe(200);
    expect(recs.body).toMatchObject({ userId: 1, source: 'batch', modelVersion: model.version });
    expect(recs.body.items).toHaveLength(10);
    expect(recs.body.items[0]).toMatchObject({
      title: expect.any(String),
      genres: expect.any(Array),
      from: 'batch',
      links: { imdb: expect.stringMatching(/^https:\/\/www\.imdb\.com\/title\/tt\d{7,}\/$/) },
    });
    const rated = new Set((await call('/users/1/ratings')).body.ratings.map((r: { movieId: number }) => r.movieId));
    expect(rated.size).toBe(232);
    for (const item of recs.body.items) expect(rated.has(item.movieId)).toBe(false);
    const comedy = await call('/users/1/recommendations?limit=10&genre=Comedy');
    for (const item of comedy.body.items) expect(item.genres).toContain('Comedy');
    const toyStory = await call('/movies/1');
    expect(toyStory.body).toMatchObject({ title: 'Toy Story', year: 1995, links: { tmdb: 'https://www.themoviedb.org/movie/862' } });
    expect(toyStory.body.similar).toHaveLength(20);
    expect((await call('/movies?search=toy%20story')).body.movies.map((m: { title: string }) => m.title)).toContain('Toy Story 2');
    expect((await call('/users/1/recommendations/1/explanation')).status).toBe(200);
  });

  it('a rating posted through the API changes the recommendations within 2 seconds (served from the speed row)', async () => {
    const token = await signIn(3);
    const before = (await call('/users/3/recommendations?limit=10')).body;
    const target = before.items[0].movieId;
    const posted = performance.now();
    const res = await call('/users/3/ratings', {
      method: 'POST',
      body: JSON.stringify({ movieId: target, rating: 1 }),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(202);
    const after = await waitFor(
      async () => {
        const r = (await call('/users/3/recommendations?limit=10')).body;
        return r.source === 'speed' ? r : undefined;
      },
      { delayMs: 50, maxWaitMs: 10_000, description: 'speed recommendations for user 3' },
    );
    const ms = performance.now() - posted;
    console.log(`API rating → speed-served recommendations in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(2000);
    expect(after.items.map((i: { movieId: number }) => i.movieId)).not.toContain(target);
    expect(after.modelVersion).toBe(model.version);
    expect((await call('/users/3/ratings')).body.ratings[0]).toMatchObject({ movieId: target, rating: 1 });
  });

  it("a basket of a user's ratings gets what the speed layer computed for that user (the same fold-in)", async () => {
    const recs = (await call('/users/3/recommendations?limit=10')).body;
    expect(recs.source).toBe('speed');
    const rated = (await call('/users/3/ratings')).body.ratings as { movieId: number; rating: number }[];
    const started = performance.now();
    const basket = await call('/recommendations', {
      method: 'POST',
      body: JSON.stringify({ items: rated.map((r) => ({ movieId: r.movieId, rating: r.rating })), limit: 10 }),
    });
    console.log(
      `basket of user 3's ${rated.length} ratings → ${basket.body.items?.length} recommendations in ${(performance.now() - started).toFixed(0)} ms (first call loads the item factors)`,
    );
    expect(basket.status).toBe(200);
    expect(basket.body.folded).toBe(rated.length);
    expect(basket.body.items.map((i: { movieId: number }) => i.movieId)).toEqual(recs.items.map((i: { movieId: number }) => i.movieId));
    for (const [i, item] of (basket.body.items as { score: number }[]).entries()) expect(item.score).toBeCloseTo(recs.items[i].score, 5);
  });

  it("an API started after a user has a speed row holds it from its first scan: that user's first request reads no speed row", async () => {
    const second = await startApi({ stack, api: loadApiConfig(env), env, log: silentLog });
    try {
      const metric = async (name: string) => promValue(await (await fetch(`${second.url}/metrics`)).text(), name);
      await waitFor(async () => (await metric('api_speed_view_index_ready')) === 1 || undefined, {
        delayMs: 200,
        maxWaitMs: 30_000,
        description: "the second API's speed view indexed",
      });
      expect(await metric('api_speed_view_users')).toBeGreaterThanOrEqual(1); // user 3's row, from the test above
      const res = await fetch(`${second.url}/users/3/recommendations?limit=10`, { headers: apiKeyHeader(env) });
      const body = await res.json();
      expect(body).toMatchObject({ source: 'speed', modelVersion: model.version });
      expect(body).toEqual((await call('/users/3/recommendations?limit=10')).body);
      expect(await metric('api_speed_view_misses')).toBe(0);
    } finally {
      await second.stop();
    }
  });

  it('two more API processes (API_WORKERS=2) answer exactly as this one, and a rating posted to them reaches this one through the stream', async () => {
    // npm run api with two worker processes on one port (taking requests in turn), each with its own
    // views, nothing shared but the engines
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(baseConfig.repoRoot, 'tools', 'api.ts')], {
      cwd: baseConfig.repoRoot,
      env: { ...process.env, ...env, API_PORT: '0', API_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const other = await waitFor(() => /API and web page on (http:\/\/\S+)/.exec(out)?.[1], {
        delayMs: 200,
        maxWaitMs: 60_000,
        description: 'the API workers listening',
      });
      await waitFor(async () => (await fetch(`${other}/ready`)).ok || undefined, { delayMs: 200, maxWaitMs: 30_000, description: 'the API workers ready' });
      expect(out).toContain('2 processes');
      // users with batch rows, user 3 with a speed row (the test above), an unknown user, a genre filter
      const paths = [
        ...[1, 2, 3, 4, 5, 10, 50, 200, 610].map((u) => `/users/${u}/recommendations?limit=20`),
        '/users/999999/recommendations',
        '/users/1/recommendations?genre=Comedy',
      ];
      // each path twice, each request on a new connection: the workers take connections in turn, so both answer
      const onNewConnection = (url: string) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          http
            .get(url, { agent: false, headers: apiKeyHeader(env) }, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                text += chunk;
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            })
            .on('error', reject);
        });
      for (const p of [...paths, ...paths]) {
        const [a, b] = await Promise.all([onNewConnection(`${api.url}${p}`), onNewConnection(`${other}${p}`)]);
        expect(b.status, p).toBe(a.status);
        expect(b.text, p).toBe(a.text);
      }
      // a rating posted to the other process reaches this one's held rows through the ratings topic:
      // user 5's row is held here (read twice), the rating goes through the other process
      const page = async () => (await call('/users/5/recommendations?limit=10')).body;
      await page();
      const before = await page();
      const top = before.items[0].movieId as number;
      const token = signIn(5);
      const posted = performance.now();
      const res = await fetch(`${other}/users/5/ratings`, {
        method: 'POST',
        body: JSON.stringify({ movieId: top, rating: 0.5 }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(202);
      const after = await waitFor(
        async () => {
          const r = await page();
          return r.source === 'speed' && !r.items.some((i: { movieId: number }) => i.movieId === top) ? r : undefined;
        },
        { delayMs: 50, maxWaitMs: 10_000, description: "this process serving user 5's new speed row" },
      );
      const ms = performance.now() - posted;
      console.log(`rating posted to a second API process → served by the first from the new speed row in ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(2000);
      expect(after.modelVersion).toBe(model.version);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('rejects bad input on the real stack too: 400, 401, 403, 404', async () => {
    const auth = { authorization: `Bearer ${signIn(4)}` };
    expect((await call('/users/4/ratings', { method: 'POST', body: JSON.stringify({ movieId: 1, rating: 6 }), headers: auth })).status).toBe(400);
    expect((await call('/users/4/ratings', { method: 'POST', body: JSON.stringify({ movieId: 424242424, rating: 4 }), headers: auth })).status).toBe(404);
    expect((await call('/users/5/ratings', { method: 'POST', body: JSON.stringify({ movieId: 1, rating: 4 }), headers: auth })).status).toBe(403);
    expect((await call('/users/4/ratings', { method: 'POST', body: JSON.stringify({ movieId: 1, rating: 4 }), headers: {} })).status).toBe(401);
    // a user reads only their own data; a token from another signer is refused
    expect((await call('/users/5/recommendations', { headers: auth })).status).toBe(403);
    expect(
      (await call('/users/4/recommendations', { headers: { authorization: `Bearer ${signUserToken(4, {}, 'another-apps-secret-0000000000000000')}` } })).status,
    ).toBe(401);
  });
});

/**
 * A screenshot of a state of the page: into docs/screenshots with UPDATE_SCREENSHOTS=1 (what
 * docs/serving.md shows), else beside the stack's temporary files.
 */
async function shot(page: import('playwright-core').Page, name: string): Promise<void> {
  const dir =
    process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(import.meta.dirname, '..', 'docs', 'screenshots') : path.join(baseConfig.dirs.tmp, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.jpg`), type: 'jpeg', quality: 70 });
}

describe('serving > web page in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: await ensureChromium(silentLog), args: ['--no-sandbox'] });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('a person signs in, rates a recommended movie, and sees the recommendations change without reloading', async () => {
    // a window of the online evaluation, as the online-eval job writes it (the job itself is
    // tested in OnlineEvalJobTest and the end-to-end test; this is the page's rendering of it)
    const cql = cassandraClient(stack, id);
    try {
      const version = (await call('/users/1/recommendations')).body.modelVersion as string;
      const end = new Date(Math.floor(Date.now() / 300_000) * 300_000);
      for (const [source, ratings, hits] of [
        ['speed', 240, 31],
        ['batch', 410, 22],
        ['popular', 35, 1],
      ] as const)
        await cql.execute(
          'INSERT INTO online_hits (window_name, window_end, source, model_version, ratings, hits) VALUES (?, ?, ?, ?, ?, ?) USING TTL 600',
          ['60m/5m', end, source, source === 'popular' ? '' : version, ratings, hits],
          { prepare: true },
        );
    } finally {
      await cql.shutdown();
    }
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
    await page.goto(api.url);
    await page.getByTestId('results').locator('li').first().waitFor();
    await expect
      .poll(() => page.getByTestId('online').locator('li').allTextContents())
      .toEqual([
        expect.stringMatching(/^batch \(model \S+\): 5\.4% of 410 ratings$/),
        expect.stringMatching(/^popular: 2\.9% of 35 ratings$/),
        expect.stringMatching(/^speed \(model \S+\): 12\.9% of 240 ratings$/),
      ]);
    await page.getByTestId('online').scrollIntoViewIfNeeded();
    await shot(page, 'online-hit-rates');
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'signed-out');
    await page.getByLabel('User id').fill('6');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('who').filter({ hasText: 'Signed in as user 6' }).waitFor();
    const first = page.locator('[data-testid="recs"] > li').first();
    await first.waitFor();
    await expect.poll(() => page.getByTestId('source').textContent()).toBe('batch');
    await shot(page, 'signed-in-batch');
    const movieId = Number(await first.getAttribute('data-movie'));
    const before = await page.locator('[data-testid="recs"] > li').evaluateAll((items) => items.map((i) => i.getAttribute('data-movie')));
    await page.getByTestId(`rating-${movieId}`).selectOption('1');
    await page.getByTestId(`rate-${movieId}`).click();
    await page
      .getByTestId('freshness')
      .filter({ hasText: /recommendations updated \d+ ms after you rated/ })
      .waitFor({ timeout: 15_000 });
    const after = await page.locator('[data-testid="recs"] > li').evaluateAll((items) => items.map((i) => i.getAttribute('data-movie')));
    expect(after).not.toEqual(before);
    expect(after).not.toContain(String(movieId));
    expect(await page.getByTestId('source').textContent()).toBe('speed');
    console.log(`browser: ${await page.getByTestId('freshness').textContent()}`);
    await shot(page, 'after-rating-speed');
    // and takes the rating back: it leaves the list, and the speed layer's next row may hold the movie again
    await page.locator(`#ratings li[data-movie="${movieId}"]`).waitFor();
    await page.getByTestId(`unrate-${movieId}`).click();
    await page
      .getByTestId('freshness')
      .filter({ hasText: new RegExp(`recommendations updated \\d+ ms after you removed your rating of ${movieId}`) })
      .waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator(`#ratings li[data-movie="${movieId}"]`).count(), { timeout: 5000 }).toBe(0);
    console.log(`browser: ${await page.getByTestId('freshness').textContent()}`);
    await shot(page, 'after-removing-a-rating');
    // the movie page shows similar movies, links, and why it is recommended to this user
    await page.locator('[data-testid="recs"] > li .title').first().click();
    await page.getByTestId('similar').locator('li').first().waitFor();
    expect(await page.getByRole('link', { name: 'IMDb' }).getAttribute('href')).toMatch(/^https:\/\/www\.imdb\.com\/title\/tt/);
    await expect.poll(() => page.getByTestId('movie-why').textContent()).toMatch(/^For you: /);
    await shot(page, 'movie-page');
  }, 120_000);

  it('the API docs for people: Swagger UI at /docs renders every route of the OpenAPI document, under the secure headers', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
    });
    await page.goto(`${api.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    await shot(page, 'api-docs');
    const spec = (await call('/openapi.json')).body;
    const operations = Object.values(spec.paths).reduce((n: number, ops) => n + Object.keys(ops as object).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(await page.getByText('/metrics/summary').count()).toBeGreaterThan(0);
    expect(refused).toEqual([]);
  }, 60_000);
});
