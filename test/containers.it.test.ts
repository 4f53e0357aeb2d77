/**
 * STACK=containers (infra/containers.ts): the stack's processes as containers, run by
 * `npm run test:containers` together with the engines and end-to-end tests. The TaskManager's
 * container is killed mid-stream as in the process drill; `down` leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import { engineImage, hasNetwork, listContainers } from '../infra/containers.ts';
import { createStack } from '../infra/stack.ts';
import { drills, formatChecks } from '../system/drills.ts';
import { useDrillSystem } from './drill-system.ts';
import { config, silentLog } from './helpers.ts';

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
    const { env, stack, apiUrl } = useDrillSystem('it_cdrill');

    it('the jobs restart from their checkpoint in a new container, nothing lost, nothing twice', async () => {
      const before = (await listContainers(stack)).find((c) => c.process === 'flink-taskmanager');
      const started = performance.now();
      const checks = await drills.taskmanager({ stack, env, apiUrl: apiUrl(), log: silentLog });
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
