/**
 * Every command-line entry point ends when its work ends (a finished command once hung for 14
 * minutes on a client it left open): each runs here, on the real stack, to its exit. The heavy ones
 * (start, drills, report) end through the same `runMain` as these.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATASETS } from '../ingest/datasets/dataset.ts';
import { config, createTopic, deleteTopic, uniqueName } from './helpers.ts';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  out: string;
}

/** Runs tools/<script>.ts; `stopWhen` sends SIGTERM once the output matches (a long-running command). */
function run(script: string, args: string[], { env = {}, stopWhen }: { env?: Record<string, string>; stopWhen?: RegExp } = {}): Promise<Exit> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(config.repoRoot, 'tools', `${script}.ts`), ...args], {
    cwd: config.repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
    if (stopWhen?.test(out)) child.kill('SIGTERM');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, ms: performance.now() - started, out });
    }),
  );
}

const topic = uniqueName('it_cli');
const small = path.join(config.dirs.tmp, `${topic}.csv`);

beforeAll(async () => {
  await createTopic(topic, 1);
  const lines = fs
    .readFileSync(path.join(SHARED_DATASETS, 'ml-latest-small', 'ratings.csv'), 'utf8')
    .split('\n')
    .slice(0, 51);
  fs.mkdirSync(path.dirname(small), { recursive: true });
  fs.writeFileSync(small, `${lines.join('\n')}\n`);
});

afterAll(async () => {
  await deleteTopic(topic);
  fs.rmSync(small, { force: true });
});

describe('command-line entry points exit when done', () => {
  it.each([
    ['stack', ['status'], /kafka/],
    ['status', [], /engines/],
    ['batch', ['status'], /./],
    ['submit-job', ['status'], /./],
    ['data', ['find', 'ml-latest-small', '--no-download'], /ml-latest-small/],
  ] as const)('npm run %s %s', async (script, args, shows) => {
    const exit = await run(script, [...args]);
    expect(exit.code, exit.out).toBe(0);
    expect(exit.out).toMatch(shows);
    expect(exit.ms).toBeLessThan(60_000);
  });

  it('npm run replay: 50 rows into a topic, then exits', async () => {
    const exit = await run('replay-ratings', [small, '--topic', topic, '--rejects', path.join(config.dirs.tmp, `${topic}-rejects.jsonl`)]);
    expect(exit.code, exit.out).toBe(0);
    expect(exit.out).toMatch(/50/);
  });

  it('a usage error exits 2 with the problem named', async () => {
    const exit = await run('replay-ratings', []);
    expect(exit.code).toBe(2);
    expect(exit.out).toMatch(/usage: npm run replay/);
  });

  it('npm run api: serves until SIGTERM, then closes and exits 0', async () => {
    const exit = await run('api', [], { env: { API_PORT: '0' }, stopWhen: /API and web page on http/ });
    expect(exit.code, exit.out).toBe(0);
    expect(exit.signal).toBeNull();
  });
});
