import { describe, expect, it } from 'vitest';
import { testEndpoints } from '../lib/test-endpoints.ts';
import { jobDeclarations, loadJobsConfig } from './jobs.ts';

const speedArgs = (env: Record<string, string>) => jobDeclarations(testEndpoints, loadJobsConfig(env)).find((j) => j.name === 'speed-recommender')!.args;

describe('the speed job declaration', () => {
  it("passes the write window to the job's Cassandra sink", () => {
    expect(speedArgs({})['max.in.flight']).toBe('64');
    expect(speedArgs({ SPEED_WRITES_IN_FLIGHT: '256' })['max.in.flight']).toBe('256');
  });

  it('rejects a window that would never let a write out', () => {
    expect(() => loadJobsConfig({ SPEED_WRITES_IN_FLIGHT: '0' })).toThrow(/SPEED_WRITES_IN_FLIGHT/);
  });
});
