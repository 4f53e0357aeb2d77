import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.ts';
import { loadConfig } from './config.ts';

describe('infra > config', () => {
  it('has working defaults for a local stack on loopback', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('local');
    expect(c.kafka).toMatchObject({ host: '127.0.0.1', port: 9092, brokers: ['127.0.0.1:9092'] });
    expect(c.cassandra).toMatchObject({ host: '127.0.0.1', port: 9042, datacenter: 'datacenter1' });
    expect(c.hdfs).toMatchObject({ host: '127.0.0.1', port: 9000, httpPort: 9870 });
    expect(c.flink).toMatchObject({ restUrl: 'http://127.0.0.1:8081', restPort: 8081 });
    expect(c.kafka.topics.map((t) => t.topic)).toEqual(['ratings', 'ratings-dlq', 'model-updates']);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('the whole local stack stays well under 16 GiB by default', () => {
    const c = loadConfig({});
    // heaps plus typical JVM overhead (metaspace, threads, direct buffers): about +300 MiB per JVM
    const total =
      c.kafka.heapMb +
      c.cassandra.heapMb * 1.5 +
      c.hdfs.nameNodeHeapMb +
      c.hdfs.dataNodeHeapMb +
      c.flink.jobManagerMb +
      c.flink.taskManagerMb +
      c.spark.driverMb +
      5 * 300;
    expect(total).toBeLessThan(12 * 1024);
  });

  it('points at external clusters through the same keys', () => {
    const c = loadConfig({
      STACK: 'external',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      CASSANDRA_CONTACT_POINTS: 'c1:9042',
      FLINK_REST_URL: 'https://flink.example:8443/',
      HDFS_URL: 'hdfs://nn:8020',
      WEBHDFS_URL: 'https://nn:9871',
      SPARK_MASTER: 'spark://master:7077',
    });
    expect(c.mode).toBe('external');
    expect(c.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.flink).toMatchObject({ restUrl: 'https://flink.example:8443', restPort: 8443 });
    expect(c.hdfs).toMatchObject({ host: 'nn', port: 8020, httpPort: 9871 });
    expect(c.spark.master).toBe('spark://master:7077');
  });

  it('checkpoints go below the stack folder unless FLINK_CHECKPOINTS_DIR says where', () => {
    expect(loadConfig({ STACK_DIR: '/srv/stack' }).flink.checkpointsDir).toBe('file:///srv/stack/data/flink/checkpoints');
    expect(loadConfig({ FLINK_CHECKPOINTS_DIR: 'hdfs://nn:8020/flink/checkpoints/' }).flink.checkpointsDir).toBe('hdfs://nn:8020/flink/checkpoints');
    expect(() => loadConfig({ FLINK_CHECKPOINTS_DIR: '/no/scheme' })).toThrow(ConfigError);
  });

  it('empty values mean the default', () => {
    expect(loadConfig({ KAFKA_HEAP_MB: '' }).kafka.heapMb).toBe(768);
  });

  it('rejects invalid values, listing every problem', () => {
    let error: unknown;
    try {
      loadConfig({ STACK: 'docker', KAFKA_BROKERS: 'no-port', CASSANDRA_HEAP_MB: '12', FLINK_REST_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.map((i) => i.split(':')[0]);
    expect(issues.sort()).toEqual(['CASSANDRA_HEAP_MB', 'FLINK_REST_URL', 'KAFKA_BROKERS.0', 'STACK']);
  });
});
