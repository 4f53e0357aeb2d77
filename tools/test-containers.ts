/**
 * npm run test:containers: the engines and end-to-end tests, and the containers' own, on
 * STACK=containers. They need a Docker engine; where none answers they are skipped with a notice,
 * unless STACK_CONTAINERS_TESTS=required (CI sets it: .ci/run starts one).
 */
import { spawn } from 'node:child_process';
import { dockerEngineVersion } from '../infra/containers.ts';
import { runMain } from '../lib/run-main.ts';
import { StackError } from '../lib/errors.ts';

runMain(async (argv) => {
  const version = await dockerEngineVersion();
  if (!version) {
    if (process.env.STACK_CONTAINERS_TESTS === 'required') {
      throw new StackError('containers', 'STACK_CONTAINERS_TESTS=required, and no Docker engine answers (DOCKER_HOST or /var/run/docker.sock)');
    }
    console.log('SKIPPED the STACK=containers tests: no Docker engine answers (install docker.io and start dockerd to run them)');
    return;
  }
  console.log(`STACK=containers tests on Docker ${version}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--project', 'containers', ...argv], { stdio: 'inherit', env: { ...process.env, STACK: 'containers' } });
    child.once('exit', (c) => resolve(c ?? 1));
  });
  process.exitCode = code;
});
