import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testEndpoints as endpoints } from '../lib/test-endpoints.ts';
import { loadBatchConfig } from './config.ts';
import { jobArgs, jobConf, newVersion, servedParams, superviseRun } from './runner.ts';

describe('batch > job arguments', () => {
  it('passes every setting to the Spark job as --flag value pairs', () => {
    const args = jobArgs(endpoints, loadBatchConfig({ BATCH_DATASET: 'ml-32m', BATCH_RANK: '12', BATCH_ALS_BLOCKS: '16' }), 'v1', {
      cutoff: 1_500_000_000_000,
      extraArgs: ['--evaluate-only', 'true'],
    });
    const pairs = args.slice(0, -2);
    const flags = Object.fromEntries(pairs.flatMap((a, i) => (i % 2 === 0 ? [[a, pairs[i + 1]!]] : [])));
    expect(flags).toMatchObject({
      '--history': '/movielens/ml-32m/ratings.csv',
      '--events': '/events/ratings',
      '--models': '/models/als',
      '--keyspace': 'moviereco',
      '--version': 'v1',
      '--cutoff': '1500000000000',
      '--rank': '12',
      '--reg': '0.15',
      '--iterations': '20',
      '--implicit': 'true',
      '--alpha': '1',
      '--biases': 'false',
      '--seed': '42',
      '--max-future-skew-ms': '300000',
      '--final-fit': 'auto',
      '--shuffle-partitions': '0',
      '--als-blocks': '16',
    });
    expect(args.slice(-2)).toEqual(['--evaluate-only', 'true']);
  });

  it('passes exactly the flags the Spark job declares (schemas/contracts/batch-job-flags.json, checked by JobOptionsTest too)', () => {
    const declared = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'schemas', 'contracts', 'batch-job-flags.json'), 'utf8')) as {
      required: string[];
      optional: string[];
    };
    const given = jobArgs(endpoints, loadBatchConfig({}), 'v1', { cutoff: 1 })
      .filter((a) => a.startsWith('--'))
      .map((a) => a.slice(2));
    expect(given.filter((f) => f !== 'cutoff').sort()).toEqual([...declared.required].sort());
    expect(declared.optional).toContain('cutoff');
    // the search's flags only when a search is configured
    const searching = jobArgs(endpoints, loadBatchConfig({ BATCH_SEARCH: 'rank=20;reg=0.05', BATCH_SEARCH_SECONDS: '300' }), 'v1');
    expect(searching.slice(-4)).toEqual(['--search', 'rank=20;reg=0.05', '--search-seconds', '300']);
    expect(declared.optional).toEqual(expect.arrayContaining(['search', 'search-seconds']));
  });

  it("sets the Cassandra connector's write settings and the stack's consistency as Spark conf", () => {
    expect(jobConf(endpoints, loadBatchConfig({}))).toEqual({
      'spark.cassandra.output.consistency.level': 'LOCAL_QUORUM',
      'spark.cassandra.input.consistency.level': 'LOCAL_QUORUM',
      'spark.cassandra.output.concurrent.writes': '32',
      'spark.cassandra.output.batch.size.bytes': '4096',
    });
    const quorum = { cassandra: { ...endpoints.cassandra, consistency: 'QUORUM' as const } };
    expect(jobConf(quorum, loadBatchConfig({ BATCH_CASSANDRA_CONCURRENT_WRITES: '2', BATCH_CASSANDRA_BATCH_BYTES: '1024' }))).toEqual({
      'spark.cassandra.output.consistency.level': 'QUORUM',
      'spark.cassandra.input.consistency.level': 'QUORUM',
      'spark.cassandra.output.concurrent.writes': '2',
      'spark.cassandra.output.batch.size.bytes': '1024',
    });
  });

  it('leaves out a cutoff that is not given', () => {
    expect(jobArgs(endpoints, loadBatchConfig({}), 'v1')).not.toContain('--cutoff');
  });

  it('versions sort by time', () => {
    expect(newVersion(new Date('2026-11-25T12:49:00.123Z'))).toBe('20261125T124900Z');
    expect(newVersion(new Date('2026-01-02T00:00:00Z')) < newVersion(new Date('2026-01-10T00:00:00Z'))).toBe(true);
  });

  it('rejects invalid settings, listing them', () => {
    expect(() => loadBatchConfig({ BATCH_RANK: '0', BATCH_SPLIT: 'sideways' })).toThrow(/BATCH_RANK.*\n.*BATCH_SPLIT|BATCH_SPLIT.*\n.*BATCH_RANK/s);
    expect(() => loadBatchConfig({ BATCH_ALS_BLOCKS: '-1' })).toThrow(/BATCH_ALS_BLOCKS/);
    expect(() => loadBatchConfig({ BATCH_SHUFFLE_PARTITIONS: '2.5' })).toThrow(/BATCH_SHUFFLE_PARTITIONS/);
  });
});

describe('batch > a run past its deadline', () => {
  function fakeRun() {
    let end!: (exit: { code: number | null; signal: NodeJS.Signals | null }) => void;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      end = resolve;
    });
    return { run: { pid: 4242, exited }, end };
  }

  it('a run that ends in time is waited for', async () => {
    const { run, end } = fakeRun();
    setTimeout(() => end({ code: 0, signal: null }), 10);
    await expect(superviseRun(run, { deadlineMs: 1000, what: 'batch v1' })).resolves.toEqual({ code: 0, signal: null });
  });

  it('a hung run is sent SIGTERM, then SIGKILL, and reported', async () => {
    const { run, end } = fakeRun();
    const signals: string[] = [];
    const kill = (pid: number, signal: NodeJS.Signals) => {
      signals.push(`${pid} ${signal}`);
      if (signal === 'SIGKILL') end({ code: null, signal: 'SIGKILL' });
    };
    await expect(superviseRun(run, { deadlineMs: 20, graceMs: 20, what: 'batch v1', kill })).rejects.toThrow(
      /batch v1 did not finish within its deadline of .* and was stopped \(SIGKILL\); the current model keeps serving/,
    );
    expect(signals).toEqual(['4242 SIGTERM', '4242 SIGKILL']);
  });

  it('a run that stops on SIGTERM gets no SIGKILL', async () => {
    const { run, end } = fakeRun();
    const signals: string[] = [];
    const kill = (_: number, signal: NodeJS.Signals) => {
      signals.push(signal);
      end({ code: 143, signal: null });
    };
    await expect(superviseRun(run, { deadlineMs: 20, graceMs: 200, what: 'batch v2', kill })).rejects.toThrow(/exit 143/);
    expect(signals).toEqual(['SIGTERM']);
  });

  it("records the search's best candidate as the served rank, reg and alpha, else the configured ones", () => {
    const searching = loadBatchConfig({ BATCH_SEARCH: 'reg=0.1', BATCH_REG: '1000' });
    const result = { counts: { search_best: 2 }, metrics: { search_2_rank: 10, search_2_reg: 0.1, search_2_alpha: 1 } };
    expect(servedParams(searching, result)).toEqual({ rank: '10', reg: '0.1', alpha: '1', search: 'reg=0.1' });
    expect(servedParams(loadBatchConfig({ BATCH_REG: '0.2' }), { counts: {}, metrics: {} })).toMatchObject({ reg: '0.2' });
  });
});
