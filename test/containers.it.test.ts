/**
 * STACK=containers (infra/containers.ts): the stack's processes as containers, run by
 * `npm run test:containers` together with the engines and end-to-end tests. The TaskManager's
 * container is killed mid-stream as in the process drill; `down` leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { engineImage, hasNetwork, listContainers } from '../infra/containers.ts';
import { createStack } from '../infra/stack.ts';
import { drillEnv, drills, formatChecks, startDrillSystem, stopDrillSystem } from '../system/drills.ts';
import type { RunningSystem } from '../system/start.ts';
import { config, deleteTopic, silentLog, uniqueName } from './helpers.ts';

if (config.mode !== 'containers') throw new Error(`this file tests STACK=containers, not STACK=${config.mode}: npm run test:containers`);

describe('stack > containers', () => {
  it("every process runs in its engine's image, on the stack's network at its configured address", async () => {
    const rows = await createStack({ config, log: silentLog }).status();
    const containers = await listContainers(config);
    const processes = rows.filter((r) => r.pid !== undefined);
    expect(processes.length).toBe(6);
    for (const row of processes) {
      const container = containers.find((c) => c.process === row.process);
      expect(container, row.process).toBeDefined();
      expect(container!.state).toBe('running');
      expect(container!.image).toBe(engineImage(config, row.engine));
      expect(container!.address).toBe(config.containers!.hostOf(row.process));
    }
  });

  describe('the TaskManager container killed while ratings stream in', () => {
    const id = uniqueName('it_cdrill');
    const env = drillEnv(id, { archiveRoot: '/it' });
    const stack = loadConfig({ ...process.env, ...env });
    const controller = new AbortController();
    let system: RunningSystem;

    beforeAll(async () => {
      system = await startDrillSystem({ stack, env, log: silentLog, signal: controller.signal });
    }, 900_000);

    afterAll(async () => {
      controller.abort();
      await stopDrillSystem(system, { stack, env });
      await Promise.all([deleteTopic(env.JOBS_TOPIC_RATINGS!), deleteTopic(env.JOBS_TOPIC_DLQ!)]).catch(() => undefined);
    });

    it('the jobs restart from their checkpoint in a new container, nothing lost, nothing twice', async () => {
      const before = (await listContainers(stack)).find((c) => c.process === 'flink-taskmanager');
      const started = performance.now();
      const checks = await drills.taskmanager({ stack, env, apiUrl: system.api.url, log: silentLog });
      console.log(formatChecks('taskmanager (containers)', checks, (performance.now() - started) / 1000));
      expect(checks.length).toBeGreaterThan(0);
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      const after = (await listContainers(stack)).find((c) => c.process === 'flink-taskmanager');
      expect(after?.state).toBe('running');
      expect(after?.name).toBe(before?.name);
    });
  });

  it('down removes every container and the network; up starts them again from the built images', async () => {
    const lines: string[] = [];
    const stack = createStack({ config, log: (line) => lines.push(line) });
    await stack.down();
    expect(await listContainers(config)).toEqual([]);
    expect(await hasNetwork(config)).toBe(false);
    const started = performance.now();
    await stack.up();
    console.log(`containers stack up again (warm: images built) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(lines.filter((l) => /building|built/.test(l))).toEqual([]);
    expect((await listContainers(config)).filter((c) => c.state === 'running')).toHaveLength(6);
  });
});
