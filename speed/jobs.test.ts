import { describe, expect, it } from 'vitest';
import type { Endpoints } from '../lib/platform.ts';
import { jobDeclarations, loadJobsConfig } from './jobs.ts';

// the addresses the declarations carry (what they are does not matter here)
const stack: Endpoints = {
  kafka: { brokers: ['127.0.0.1:9092'], security: { protocol: 'PLAINTEXT', mechanism: 'PLAIN', username: '' } },
  cassandra: { contactPoints: ['127.0.0.1:9042'], datacenter: 'datacenter1', keyspace: 'moviereco', replication: '{}' },
  hdfs: { url: 'hdfs://127.0.0.1:9000', webUrl: 'http://127.0.0.1:9870', user: 'hdfs' },
  flink: { restUrl: 'http://127.0.0.1:8081', checkpointsDir: 'file:///tmp/checkpoints' },
  dirs: { run: '/tmp/run', logs: '/tmp/logs' },
};
const speedArgs = (env: Record<string, string>) => jobDeclarations(stack, loadJobsConfig(env)).find((j) => j.name === 'speed-recommender')!.args;

describe('the speed job declaration', () => {
  it("passes the write window to the job's Cassandra sink", () => {
    expect(speedArgs({})['max.in.flight']).toBe('64');
    expect(speedArgs({ SPEED_WRITES_IN_FLIGHT: '256' })['max.in.flight']).toBe('256');
  });

  it('rejects a window that would never let a write out', () => {
    expect(() => loadJobsConfig({ SPEED_WRITES_IN_FLIGHT: '0' })).toThrow(/SPEED_WRITES_IN_FLIGHT/);
  });
});
