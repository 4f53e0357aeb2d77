import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
      KAFKA_PASSWORD: 'kafka-secret',
      CASSANDRA_PASSWORD: 'cassandra-secret',
    });
    expect(c.mode).toBe('external');
    expect(c.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.flink).toMatchObject({ restUrl: 'https://flink.example:8443', restPort: 8443 });
    expect(c.hdfs).toMatchObject({ host: 'nn', port: 8020, httpPort: 9871 });
    expect(c.spark.master).toBe('spark://master:7077');
  });

  it('STACK=containers gives every process a fixed address in its subnet, and the clients use them', () => {
    const c = loadConfig({ STACK: 'containers', STACK_CONTAINERS_SUBNET: '10.77.3.0/24', STACK_DIR: '/srv/c', CASSANDRA_PASSWORD: 'c' });
    expect(c.mode).toBe('containers');
    expect(c.kafka.brokers).toEqual(['10.77.3.10:9092']);
    expect(c.cassandra).toMatchObject({ host: '10.77.3.11', port: 9042 });
    expect(c.hdfs).toMatchObject({ url: 'hdfs://10.77.3.12:9000', webUrl: 'http://10.77.3.12:9870', dataNodeHost: '10.77.3.13' });
    expect(c.flink).toMatchObject({ restUrl: 'http://10.77.3.14:8081', taskManagerHost: '10.77.3.15', bindHost: '0.0.0.0' });
    expect(c.containers?.hostOf('flink-taskmanager')).toBe('10.77.3.15');
    expect(c.containers?.hostOf('spark')).toBeUndefined();
    // the engines run here, as with processes: the project makes their passwords
    expect(c.kafka.security.password).toBeDefined();
    // processes keep one host per engine and their own folder
    const local = loadConfig({ STACK_DIR: '/srv/l', KAFKA_PASSWORD: 'k', CASSANDRA_PASSWORD: 'c' });
    expect(local.containers).toBeUndefined();
    expect(local.hdfs.dataNodeHost).toBe('127.0.0.1');
    expect(local.flink).toMatchObject({ taskManagerHost: '127.0.0.1', bindHost: '127.0.0.1' });
  });

  it("STACK=containers keeps its state apart from the processes' by default", () => {
    expect(path.basename(loadConfig({ STACK: 'containers' }).stackDir)).toBe('.stack-containers');
    expect(path.basename(loadConfig({}).stackDir)).toBe('.stack');
  });

  it('STACK=containers refuses addresses set by hand, and a subnet that is not a /24', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ STACK: 'containers', STACK_DIR: '/srv/c', KAFKA_PASSWORD: 'k', CASSANDRA_PASSWORD: 'c', ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).issues;
      }
    };
    expect(problems({ KAFKA_BROKERS: '127.0.0.1:9092', HDFS_URL: 'hdfs://127.0.0.1:9000' })).toEqual([
      expect.stringMatching(/^KAFKA_BROKERS: STACK=containers gives every engine an address in STACK_CONTAINERS_SUBNET/),
      expect.stringMatching(/^HDFS_URL: /),
    ]);
    expect(problems({ STACK_CONTAINERS_SUBNET: '10.0.0.0/16' })).toEqual([expect.stringMatching(/^STACK_CONTAINERS_SUBNET: expected a \/24/)]);
  });

  it('STACK_TOPOLOGY=cluster makes the local stack multi-node through ordinary keys, each of which a setting overrides', () => {
    const c = loadConfig({ STACK_TOPOLOGY: 'cluster', STACK_DIR: '/srv/cl', KAFKA_PASSWORD: 'k', CASSANDRA_PASSWORD: 'c' });
    expect(c.topology).toBe('cluster');
    expect(c.kafka).toMatchObject({ brokers: ['127.0.0.1:9092', '127.0.0.2:9092', '127.0.0.3:9092'], replicationFactor: 3, minInsyncReplicas: 2 });
    expect(c.kafka.topics.map((t) => t.config['min.insync.replicas'])).toEqual(['2', '2', '2']);
    expect(c.kafka.topics[2]!.config['cleanup.policy']).toBe('compact');
    expect(c.cassandra).toMatchObject({ contactPoints: ['127.0.0.1:9042', '127.0.0.2:9042', '127.0.0.3:9042'], consistency: 'LOCAL_QUORUM' });
    expect(c.cassandra.replication).toMatch(/NetworkTopologyStrategy.*'datacenter1': 3/);
    expect(c.hdfs).toMatchObject({ dataNodes: 3, replication: 2 });
    expect(c.flink.taskManagers).toBe(2);
    expect(c.spark).toMatchObject({ master: 'spark://127.0.0.1:7077', standalone: { host: '127.0.0.1', port: 7077, workers: 2 } });
    expect(path.basename(loadConfig({ STACK_TOPOLOGY: 'cluster' }).stackDir)).toBe('.stack-cluster');
    // a setting wins over the preset; the single topology has no replication
    expect(loadConfig({ STACK_TOPOLOGY: 'cluster', STACK_DIR: '/srv/cl', HDFS_REPLICATION: '3' }).hdfs.replication).toBe(3);
    const single = loadConfig({ STACK_DIR: '/srv/single' });
    expect(single.kafka.topics.map((t) => t.config['min.insync.replicas'])).toEqual([undefined, undefined, undefined]);
    expect(single.spark.standalone).toBeUndefined();
  });

  it('refuses a topology it cannot run, saying why', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ STACK_DIR: '/srv/cl', KAFKA_PASSWORD: 'k', CASSANDRA_PASSWORD: 'c', ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((i) => i.split(':')[0]);
      }
    };
    expect(problems({ STACK: 'containers', STACK_TOPOLOGY: 'cluster' })).toContain('STACK_TOPOLOGY');
    expect(problems({ KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9094' })).toEqual(['KAFKA_BROKERS']);
    expect(problems({ CASSANDRA_CONTACT_POINTS: '127.0.0.1:9042,127.0.0.2:9043' })).toEqual(['CASSANDRA_CONTACT_POINTS']);
    expect(problems({ KAFKA_REPLICATION_FACTOR: '3' })).toEqual(['KAFKA_REPLICATION_FACTOR']);
    expect(problems({ STACK_TOPOLOGY: 'cluster', KAFKA_MIN_INSYNC_REPLICAS: '4' })).toEqual(['KAFKA_MIN_INSYNC_REPLICAS']);
    expect(problems({ HDFS_REPLICATION: '2' })).toEqual(['HDFS_REPLICATION']);
    expect(problems({ SPARK_WORKERS: '2' })).toEqual(['SPARK_WORKERS']);
    expect(problems({ SPARK_MASTER: 'sparky://x' })).toEqual(['SPARK_MASTER']);
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

  describe('security', () => {
    const made: string[] = [];
    const tmp = () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moviereco-config-'));
      made.push(dir);
      return dir;
    };
    afterAll(() => {
      for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a local stack is secured by default, with passwords made once and kept (0600)', () => {
      const dir = tmp();
      const c = loadConfig({ STACK_DIR: dir });
      expect(c.kafka.security).toMatchObject({ protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256', username: 'moviereco' });
      expect(c.kafka.security.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(c.cassandra.credentials?.username).toBe('moviereco');
      expect(c.cassandra.credentials?.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(c.cassandra.credentials?.password).not.toBe(c.kafka.security.password);
      expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
      // the next process reads the same ones
      const again = loadConfig({ STACK_DIR: dir });
      expect(again.kafka.security.password).toBe(c.kafka.security.password);
      expect(again.cassandra.credentials).toEqual(c.cassandra.credentials);
      expect(c.flink.clientSecurityFile).toBe(path.join(dir, 'conf', 'jobs', 'client-security.properties'));
    });

    it('passwords given are used, and none is made', () => {
      const dir = tmp();
      const c = loadConfig({ STACK_DIR: dir, KAFKA_PASSWORD: 'k-pass', CASSANDRA_PASSWORD: 'c-pass' });
      expect(c.kafka.security.password).toBe('k-pass');
      expect(c.cassandra.credentials?.password).toBe('c-pass');
      expect(fs.existsSync(path.join(dir, 'secrets.json'))).toBe(false);
    });

    it('an open stack: plaintext Kafka, Cassandra without a login', () => {
      const c = loadConfig({ STACK_DIR: tmp(), KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', CASSANDRA_AUTH: 'none' });
      expect(c.kafka.security.password).toBeUndefined();
      expect(c.cassandra.credentials).toBeUndefined();
    });

    it('external clusters must be given their passwords, and may use TLS', () => {
      expect(() => loadConfig({ STACK: 'external' })).toThrow(/KAFKA_PASSWORD: required[\s\S]*CASSANDRA_PASSWORD: required/);
      const c = loadConfig({
        STACK: 'external',
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_PASSWORD: 'k',
        KAFKA_SSL_CA_FILE: '/etc/ca.pem',
        CASSANDRA_PASSWORD: 'c',
        CASSANDRA_SSL: 'true',
        CASSANDRA_SSL_CA_FILE: '/etc/cassandra-ca.pem',
        FLINK_REST_USERNAME: 'ops',
        FLINK_REST_PASSWORD: 'f',
        FLINK_REST_CA_FILE: '/etc/flink-ca.pem',
        JOBS_CLIENT_SECURITY_FILE: '/etc/moviereco/client-security.properties',
      });
      expect(c.kafka.security).toEqual({ protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', username: 'moviereco', password: 'k', caFile: '/etc/ca.pem' });
      expect(c.cassandra.ssl).toEqual({ caFile: '/etc/cassandra-ca.pem' });
      expect(c.flink).toMatchObject({
        restAuth: { username: 'ops', password: 'f' },
        restCaFile: '/etc/flink-ca.pem',
        clientSecurityFile: '/etc/moviereco/client-security.properties',
      });
    });

    it('refuses what the local stack cannot run, and half a Flink login', () => {
      const issues = (env: Record<string, string>) => {
        try {
          loadConfig({ STACK_DIR: tmp(), ...env });
        } catch (e) {
          return (e as ConfigError).issues.map((i) => i.split(':')[0]);
        }
        return [];
      };
      expect(issues({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toEqual(['KAFKA_SECURITY_PROTOCOL']);
      expect(issues({ KAFKA_SASL_MECHANISM: 'PLAIN' })).toEqual(['KAFKA_SASL_MECHANISM']);
      expect(issues({ KAFKA_PASSWORD: 'a,b]' })).toEqual(['KAFKA_USERNAME, KAFKA_PASSWORD']);
      expect(issues({ CASSANDRA_SSL: 'true' })).toEqual(['CASSANDRA_SSL']);
      expect(issues({ CASSANDRA_USERNAME: 'cassandra' })).toEqual(['CASSANDRA_USERNAME']);
      expect(issues({ FLINK_REST_USERNAME: 'ops' })).toEqual(['FLINK_REST_USERNAME, FLINK_REST_PASSWORD']);
    });
  });
});
