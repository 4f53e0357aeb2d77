import { defineConfig } from 'vitest/config';

/** One real stack on a 2-core machine: its files run one after another. */
const onTheStack = {
  environment: 'node',
  fileParallelism: false,
  globalSetup: 'test/global-setup.ts',
  setupFiles: ['test/healthy-stack.ts'],
  // limits against a hang, not goals: one Spark run on ml-latest-small takes about 2 min on a CI
  // machine and was seen at over 3 min when the machine was slow
  testTimeout: 600_000,
  hookTimeout: 900_000,
};

export default defineConfig({
  test: {
    restoreMocks: true,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,infra,schemas,ingest,batch,speed,serving,system,tools}/**/*.test.ts'],
          environment: 'node',
          // a few tests generate and read datasets of 100,000 ratings: on 2 busy cores (the stack
          // running beside them) they took 6-11 s, over vitest's default of 5 s
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.it.test.ts'],
          // the failure drills take a quarter of the suite's time (11 min of about 40 on a CI
          // machine): `npm run test:drills` (or `npm run drills`), not `npm test`; the containers
          // test needs STACK=containers: `npm run test:containers`
          exclude: ['test/drills.it.test.ts', 'test/containers.it.test.ts', 'test/cluster.it.test.ts'],
          ...onTheStack,
        },
      },
      {
        test: {
          // STACK=containers (npm run test:containers): the engines and the whole loop on containers
          name: 'containers',
          include: ['test/engines.it.test.ts', 'test/e2e.it.test.ts', 'test/containers.it.test.ts'],
          ...onTheStack,
        },
      },
      {
        test: {
          // STACK_TOPOLOGY=cluster (npm run test:cluster): the whole loop and node losses on multi-node clusters
          name: 'cluster',
          include: ['test/e2e.it.test.ts', 'test/cluster.it.test.ts'],
          ...onTheStack,
        },
      },
      {
        test: {
          name: 'drills',
          include: ['test/drills.it.test.ts'],
          ...onTheStack,
        },
      },
    ],
  },
});
