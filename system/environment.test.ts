import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../serving/config.ts';
import { loadBatchConfig } from '../batch/config.ts';
import { loadJobsConfig } from '../speed/jobs.ts';
import { isolatedEnv } from './environment.ts';

describe('isolatedEnv', () => {
  it('names every part after the environment and passes every config check', () => {
    const env = isolatedEnv('it_e2e_x1', { archiveRoot: '/it', base: {} });
    const jobs = loadJobsConfig(env);
    expect(jobs).toMatchObject({
      prefix: 'it-e2e-x1-',
      topics: { ratings: 'it_e2e_x1_ratings', dlq: 'it_e2e_x1_dlq' },
      archive: { path: '/it/it_e2e_x1/events', rollMs: 2000 },
    });
    expect(loadBatchConfig(env)).toMatchObject({ modelName: 'it-e2e-x1', eventsPath: '/it/it_e2e_x1/events' });
    expect(loadApiConfig(env).port).toBe(0);
  });

  it('refuses a name that cannot be a keyspace', () => {
    expect(() => isolatedEnv('Drills-1')).toThrow('not a lower-case identifier');
  });
});
