/**
 * The one way settings are read: the keys a zod schema declares, taken from the environment
 * (unset or empty = the default), validated once; an invalid value is a ConfigError listing every problem.
 */
import type { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * STACK_TOPOLOGY=cluster: the defaults that make the local stack a multi-node cluster (3 Kafka
 * brokers, 3 Cassandra nodes, 3 DataNodes, 2 TaskManagers, a Spark master and 2 workers) and the
 * product use it (replication, quorum, parallelism). Every value is an ordinary setting: one set
 * in the environment wins, and a real cluster sets the same keys (docs/cluster.md).
 */
export const CLUSTER_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({
  KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.2:9092,127.0.0.3:9092',
  KAFKA_REPLICATION_FACTOR: '3',
  KAFKA_MIN_INSYNC_REPLICAS: '2',
  KAFKA_HEAP_MB: '512',
  CASSANDRA_CONTACT_POINTS: '127.0.0.1:9042,127.0.0.2:9042,127.0.0.3:9042',
  CASSANDRA_REPLICATION: "{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}",
  CASSANDRA_CONSISTENCY: 'LOCAL_QUORUM',
  CASSANDRA_HEAP_MB: '768',
  HDFS_DATANODES: '3',
  HDFS_REPLICATION: '2',
  HDFS_DATANODE_HEAP_MB: '256',
  FLINK_TASKMANAGERS: '2',
  FLINK_TASKMANAGER_MB: '2048',
  JOBS_PARALLELISM: '2',
  SPARK_MASTER: 'spark://127.0.0.1:7077',
  SPARK_WORKERS: '2',
  SPARK_DRIVER_MB: '2048',
});

/** The environment with the topology's defaults under what it sets (STACK_TOPOLOGY=single: as it is). */
export function withTopology(env: Record<string, string | undefined>): Record<string, string | undefined> {
  if (env.STACK_TOPOLOGY !== 'cluster') return env;
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return { ...CLUSTER_DEFAULTS, ...set };
}

export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>, what: string): z.infer<S> {
  const defined = Object.fromEntries(Object.entries(withTopology(env)).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''));
  const parsed = schema.safeParse(defined);
  if (!parsed.success)
    throw new ConfigError(
      `invalid ${what} configuration`,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  return parsed.data;
}
