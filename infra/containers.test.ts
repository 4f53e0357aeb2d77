import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { baseImage, containerName, engineImage, freeSubnet, networkName } from './containers.ts';

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

  it('takes the first /24 from the preferred one that no other network overlaps, in its /16', () => {
    expect(freeSubnet('172.29.42.0/24', [])).toBe('172.29.42.0/24');
    expect(freeSubnet('172.29.42.0/24', ['172.17.0.0/16', 'fd00::/64', '172.29.41.0/24'])).toBe('172.29.42.0/24');
    expect(freeSubnet('172.29.42.0/24', ['172.29.42.0/24', '172.29.43.128/25'])).toBe('172.29.44.0/24');
    expect(freeSubnet('172.29.42.0/24', ['172.29.40.0/22'])).toBe('172.29.44.0/24');
    expect(freeSubnet('172.29.254.0/24', ['172.29.254.0/24'])).toBe('172.29.255.0/24');
    // a network on the whole /16 (Docker's default pools are /16s) leaves nothing
    expect(freeSubnet('172.29.42.0/24', ['172.29.0.0/16'])).toBeUndefined();
    expect(() => freeSubnet('172.29.42.0/23', [])).toThrow(/expected a \/24/);
  });
});
