import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { baseImage, containerName, engineImage, networkName } from './containers.ts';

describe('infra > containers', () => {
  const config = (env: Record<string, string> = {}) =>
    loadConfig({ STACK: 'containers', STACK_DIR: '/srv/stack', KAFKA_PASSWORD: 'k', CASSANDRA_PASSWORD: 'c', ...env });

  it('builds on its own Debian base unless a base image is configured', () => {
    expect(baseImage(config())).toMatch(/^moviereco\/base:[0-9a-f]{12}$/);
    expect(baseImage(config({ STACK_CONTAINERS_BASE_IMAGE: 'eclipse-temurin:17-jre' }))).toBe('eclipse-temurin:17-jre');
  });

  it('tags an engine image with what it is made of: the same inputs, the same tag; another base, another tag', () => {
    expect(engineImage(config(), 'kafka')).toBe(engineImage(config(), 'kafka'));
    expect(engineImage(config(), 'kafka')).toMatch(/^moviereco\/kafka:[0-9a-f]{12}$/);
    expect(engineImage(config(), 'kafka')).not.toBe(engineImage(config(), 'flink').replace('flink', 'kafka'));
    expect(engineImage(config({ STACK_CONTAINERS_BASE_IMAGE: 'eclipse-temurin:17-jre' }), 'kafka')).not.toBe(engineImage(config(), 'kafka'));
  });

  it('names the network and containers after the state folder, so two stacks keep apart', () => {
    const other = config({ STACK_DIR: '/srv/other' });
    expect(networkName(config())).not.toBe(networkName(other));
    expect(containerName(config(), 'kafka')).toBe(`${networkName(config())}-kafka`);
  });

  it('is refused on a stack that runs no containers', () => {
    expect(() => baseImage(loadConfig({ STACK_DIR: '/srv/stack', KAFKA_PASSWORD: 'k', CASSANDRA_PASSWORD: 'c' }))).toThrow(
      /STACK=local: no containers to manage/,
    );
  });
});
