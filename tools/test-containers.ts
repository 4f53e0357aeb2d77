/**
 * npm run test:containers: the engines and end-to-end tests, and the containers' own, on
 * STACK=containers. They need a Docker engine; where none answers they are skipped with a notice,
 * unless STACK_CONTAINERS_TESTS=required (CI sets it: .ci/run starts one). Unless
 * STACK_CONTAINERS_SUBNET is set, the stack takes the first free /24 from the default: another
 * stack's network on the same engine (another checkout's, a run left up) must not fail them.
 */
import { spawn } from 'node:child_process';
import { loadConfig } from '../infra/config.ts';
import { dockerEngineVersion, freeSubnet, networkSubnets } from '../infra/containers.ts';
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
  const env: NodeJS.ProcessEnv = { ...process.env, STACK: 'containers' };
  if (!env.STACK_CONTAINERS_SUBNET) {
    const config = loadConfig(env);
    const preferred = config.containers?.subnet ?? '';
    const { own, others } = await networkSubnets(config);
    const subnet = own ?? freeSubnet(preferred, others);
    if (!subnet) throw new StackError('containers', `every /24 from ${preferred} up is used by another network; set STACK_CONTAINERS_SUBNET to a free one`);
    if (subnet !== preferred) console.log(`${preferred} is used by another network: the stack takes ${subnet}`);
    env.STACK_CONTAINERS_SUBNET = subnet;
  }
  console.log(`STACK=containers tests on Docker ${version}, subnet ${env.STACK_CONTAINERS_SUBNET}`);
  const code = await new Promise<number>((resolve) => {
    const child = spawn('npx', ['vitest', 'run', '--project', 'containers', ...argv], { stdio: 'inherit', env });
    child.once('exit', (c) => resolve(c ?? 1));
  });
  process.exitCode = code;
});
