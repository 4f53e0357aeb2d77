/**
 * The stack's own behaviour (idempotent up, clean down, failure messages), on a second,
 * private stack in a temporary state directory with Kafka on other ports, so the main
 * stack the other tests use is never disturbed.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../infra/config.ts';
import { kafkaEngine } from '../infra/engines/kafka.ts';
import { isPortFree, listStackProcesses } from '../infra/process.ts';
import { createStack } from '../infra/stack.ts';
import { StackError } from '../lib/errors.ts';

const stackDir = fs.mkdtempSync(path.join(os.tmpdir(), 'moviereco-stack-'));
const PORT = 19_092;

function privateStack(env: Record<string, string> = {}, lines: string[] = []) {
  const config = loadConfig({
    STACK_DIR: stackDir,
    KAFKA_BROKERS: `127.0.0.1:${PORT}`,
    KAFKA_CONTROLLER_PORT: String(PORT + 1),
    KAFKA_HEAP_MB: '256',
    JAVA_HOME: process.env.JAVA_HOME,
    ...env,
  });
  return createStack({ config, engines: [kafkaEngine], log: (line) => lines.push(line) });
}

afterAll(async () => {
  await privateStack().down();
  fs.rmSync(stackDir, { recursive: true, force: true });
});

describe('stack > lifecycle', () => {
  it('up starts the engine; a second up starts nothing; down stops it and leaves no process', async () => {
    const lines: string[] = [];
    const stack = privateStack({}, lines);
    await stack.up();
    const first = listStackProcesses(stackDir);
    expect(first.map((p) => p.name)).toEqual(['kafka']);
    expect(lines.some((l) => l.includes('kafka      ready'))).toBe(true);

    lines.length = 0;
    await stack.up();
    expect(listStackProcesses(stackDir)).toEqual(first);
    expect(lines.filter((l) => l.includes('starting'))).toEqual([]);
    expect(lines.at(-1)).toMatch(/^stack already up/);

    const [row] = await stack.status();
    expect(row).toMatchObject({ engine: 'kafka', process: 'kafka', pid: first[0]!.pid, state: 'ready' });
    expect(row!.memoryMb).toBeGreaterThan(50);

    await stack.down();
    expect(listStackProcesses(stackDir)).toEqual([]);
    expect(await isPortFree('127.0.0.1', PORT)).toBe(true);
    expect((await stack.status())[0]?.state).toBe('down');
  });

  it('restart keeps the data: a topic created before is still there after', async () => {
    const stack = privateStack();
    await stack.up();
    const before = listStackProcesses(stackDir)[0]!.pid;
    await stack.restart(['kafka']);
    const after = listStackProcesses(stackDir)[0]!.pid;
    expect(after).not.toBe(before);
    // provisioned topics survive in the data dir
    expect((await stack.status())[0]?.detail).toMatch(/3 topics/);
    await stack.down();
  });
});

describe('stack > failures say which engine, why, and where the log is', () => {
  it('a port that is already taken', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(PORT, '127.0.0.1', resolve));
    try {
      const error = await privateStack()
        .up()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StackError);
      expect((error as Error).message).toMatch(new RegExp(`^kafka: port ${PORT} on 127.0.0.1 is already in use`));
      expect((error as Error).message).toContain(`log: ${path.join(stackDir, 'logs', 'kafka.log')}`);
      expect(listStackProcesses(stackDir)).toEqual([]);
    } finally {
      squatter.close();
    }
  });

  it('an engine that does not become ready in time is stopped again', async () => {
    const error = await privateStack({ STACK_READY_TIMEOUT_S: '0.5' })
      .up()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StackError);
    expect((error as Error).message).toMatch(/^kafka: did not become ready within 0\.5 s \(last check: .+\)/);
    expect((error as Error).message).toContain('log: ');
    expect(listStackProcesses(stackDir)).toEqual([]);
  });

  it('no Java at JAVA_HOME', async () => {
    const error = await privateStack({ JAVA_HOME: '/nonexistent/jdk' })
      .up()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^java: no Java found at \/nonexistent\/jdk\/bin\/java/);
  });

  const newerJdk = fs
    .readdirSync('/usr/lib/jvm')
    .map((d) => path.join('/usr/lib/jvm', d))
    .find((d) => /temurin-2\d|java-2\d/.test(d));
  it.runIf(newerJdk !== undefined)('a Java newer than 17, which Cassandra cannot run on', async () => {
    const error = await privateStack({ JAVA_HOME: newerJdk! })
      .up()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^java: Java 17 is required .* found Java 2\d/);
  });
});

describe('stack > external clusters', () => {
  it('with STACK=external the same code only probes the given endpoints and starts or stops nothing', async () => {
    const main = createStack({ config: loadConfig(), log: () => {} });
    const before = listStackProcesses(main.config.stackDir);
    const lines: string[] = [];
    // the "external" clusters here are the main local stack, addressed only through configuration
    // external clusters are given their passwords: here the main stack's
    const credentials = { KAFKA_PASSWORD: main.config.kafka.security.password ?? '', CASSANDRA_PASSWORD: main.config.cassandra.credentials?.password ?? '' };
    const external = createStack({ config: loadConfig({ ...process.env, ...credentials, STACK: 'external', STACK_DIR: stackDir }), log: (l) => lines.push(l) });
    await external.up();
    expect(lines.filter((l) => l.includes(' external '))).toHaveLength(5);
    const rows = await external.status();
    expect(rows.map((r) => [r.engine, r.process, r.state])).toEqual([
      ['hdfs', '(external)', 'ready'],
      ['cassandra', '(external)', 'ready'],
      ['kafka', '(external)', 'ready'],
      ['flink', '(external)', 'ready'],
      ['spark', 'spark-submit', 'ready'],
    ]);
    await external.down();
    expect(listStackProcesses(main.config.stackDir)).toEqual(before);
    expect(listStackProcesses(stackDir)).toEqual([]);
  });
});
