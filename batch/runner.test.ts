import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Endpoints } from '../lib/platform.ts';
import { loadBatchConfig } from './config.ts';
import { jobArgs, newVersion } from './runner.ts';

const endpoints: Endpoints = {
  kafka: { brokers: ['127.0.0.1:9092'] },
  cassandra: {
    contactPoints: ['127.0.0.1:9042'],
    datacenter: 'datacenter1',
    keyspace: 'moviereco',
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  },
  hdfs: { url: 'hdfs://127.0.0.1:9000', webUrl: 'http://127.0.0.1:9870', user: 'moviereco' },
  flink: { restUrl: 'http://127.0.0.1:8081' },
  dirs: { run: '/tmp/run', logs: '/tmp/logs' },
};

describe('batch > job arguments', () => {
  it('passes every setting to the Spark job as --flag value pairs', () => {
    const args = jobArgs(endpoints, loadBatchConfig({ BATCH_DATASET: 'ml-32m', BATCH_RANK: '12' }), 'v1', {
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
      '--final-fit': 'all',
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
  });
});
