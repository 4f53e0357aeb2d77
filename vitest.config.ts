import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    restoreMocks: true,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,infra,schemas,ingest,batch,speed,serving,system,tools}/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.it.test.ts'],
          environment: 'node',
          // one real stack on a 2-core machine: files run one after another
          fileParallelism: false,
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
