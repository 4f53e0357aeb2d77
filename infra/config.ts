/**
 * The stack's configuration: read once from the environment, validated, frozen.
 * Every key, its default and its meaning are listed in docs/configuration.md.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { MODEL_UPDATES_TOPIC_CONFIG, topicSettings } from '../schemas/topics.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

const port = z.coerce.number().int().min(1).max(65_535);
const megabytes = z.coerce.number().int().min(64);
const hostPort = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'expected host:port');
const hostPortList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(hostPort).min(1));

const envSchema = z.object({
  /** local: infra/ installs and runs every engine here; external: use existing clusters, start nothing */
  STACK: z.enum(['local', 'external']).default('local'),
  STACK_DIR: z.string().default(path.join(repoRoot, '.stack')),
  STACK_READY_TIMEOUT_S: z.coerce.number().positive().default(180),
  /** a Java 17 (or 11) installation; Cassandra refuses anything newer */
  JAVA_HOME: z.string().optional(),

  KAFKA_BROKERS: hostPortList.default(['127.0.0.1:9092']),
  KAFKA_CONTROLLER_PORT: port.default(9093),
  KAFKA_HEAP_MB: megabytes.default(768),
  KAFKA_TOPIC_RATINGS_PARTITIONS: z.coerce.number().int().min(1).default(4),
  /** the topics the stack creates are the product's (schemas/topics.ts) */
  ...topicSettings,

  CASSANDRA_CONTACT_POINTS: hostPortList.default(['127.0.0.1:9042']),
  CASSANDRA_DATACENTER: z.string().default('datacenter1'),
  /** the product's keyspace: one per environment */
  CASSANDRA_KEYSPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,47}$/, 'lower-case letters, digits and _')
    .default('moviereco'),
  CASSANDRA_REPLICATION: z.string().default("{'class': 'SimpleStrategy', 'replication_factor': 1}"),
  CASSANDRA_STORAGE_PORT: port.default(7000),
  CASSANDRA_JMX_PORT: port.default(7199),
  CASSANDRA_HEAP_MB: megabytes.default(1024),

  HDFS_URL: z.url().default('hdfs://127.0.0.1:9000'),
  WEBHDFS_URL: z.url().default('http://127.0.0.1:9870'),
  HDFS_USER: z.string().default('moviereco'),
  HDFS_DATANODE_PORT: port.default(9866),
  HDFS_DATANODE_HTTP_PORT: port.default(9864),
  HDFS_DATANODE_IPC_PORT: port.default(9867),
  HDFS_NAMENODE_HEAP_MB: megabytes.default(512),
  HDFS_DATANODE_HEAP_MB: megabytes.default(384),

  FLINK_REST_URL: z.url().default('http://127.0.0.1:8081'),
  FLINK_RPC_PORT: port.default(6123),
  FLINK_BLOB_PORT: port.default(6124),
  /** 0: any free port. A TaskManager restarted on the address of one that just died is refused by the JobManager ("read-only association") until the old one times out */
  FLINK_TASKMANAGER_RPC_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  FLINK_TASKMANAGER_DATA_PORT: port.default(6121),
  FLINK_JOBMANAGER_MB: megabytes.default(1024),
  FLINK_TASKMANAGER_MB: megabytes.default(3072),
  FLINK_TASK_SLOTS: z.coerce.number().int().min(1).default(8),
  /**
   * where the jobs write their checkpoints, one folder per job name (the cluster's
   * state.checkpoints.dir too, locally): a URI, file:// or hdfs://; default file://<STACK_DIR>/data/flink/checkpoints
   */
  FLINK_CHECKPOINTS_DIR: z
    .string()
    .regex(/^[a-z][a-z0-9+.-]*:\/\/\S*$/, 'expected a URI such as file:///data/flink/checkpoints or hdfs://namenode:8020/flink/checkpoints')
    .optional(),

  SPARK_MASTER: z.string().default('local[2]'),
  SPARK_DRIVER_MB: megabytes.default(3072),
});

export type Env = z.input<typeof envSchema>;

function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  return { host: value.slice(0, i), port: Number(value.slice(i + 1)) };
}

function urlPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

export function loadConfig(env: Record<string, string | undefined> = process.env) {
  // unset and empty variables both mean "use the default"
  const defined = Object.fromEntries(Object.entries(env).filter(([key, value]) => key in envSchema.shape && value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(
      'invalid stack configuration',
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const stackDir = path.resolve(e.STACK_DIR);
  const kafka = parseHostPort(e.KAFKA_BROKERS[0]!);
  const cassandra = parseHostPort(e.CASSANDRA_CONTACT_POINTS[0]!);
  const hdfs = new URL(e.HDFS_URL);
  const webhdfs = new URL(e.WEBHDFS_URL);
  const flink = new URL(e.FLINK_REST_URL);
  const checkpointsDir = (e.FLINK_CHECKPOINTS_DIR ?? `file://${path.join(stackDir, 'data', 'flink', 'checkpoints')}`).replace(/\/+$/, '');

  return Object.freeze({
    mode: e.STACK,
    repoRoot,
    stackDir,
    dirs: Object.freeze({
      lib: path.join(stackDir, 'lib'),
      conf: path.join(stackDir, 'conf'),
      data: path.join(stackDir, 'data'),
      logs: path.join(stackDir, 'logs'),
      run: path.join(stackDir, 'run'),
      tmp: path.join(stackDir, 'tmp'),
    }),
    readyTimeoutMs: e.STACK_READY_TIMEOUT_S * 1000,
    javaHome: e.JAVA_HOME,
    kafka: Object.freeze({
      brokers: e.KAFKA_BROKERS,
      host: kafka.host,
      port: kafka.port,
      controllerPort: e.KAFKA_CONTROLLER_PORT,
      heapMb: e.KAFKA_HEAP_MB,
      topics: Object.freeze([
        { topic: e.JOBS_TOPIC_RATINGS, numPartitions: e.KAFKA_TOPIC_RATINGS_PARTITIONS, config: {} as Readonly<Record<string, string>> },
        { topic: e.JOBS_TOPIC_DLQ, numPartitions: 1, config: {} as Readonly<Record<string, string>> },
        { topic: e.JOBS_TOPIC_MODEL_UPDATES, numPartitions: 1, config: MODEL_UPDATES_TOPIC_CONFIG },
      ]),
    }),
    cassandra: Object.freeze({
      contactPoints: e.CASSANDRA_CONTACT_POINTS,
      host: cassandra.host,
      port: cassandra.port,
      datacenter: e.CASSANDRA_DATACENTER,
      keyspace: e.CASSANDRA_KEYSPACE,
      replication: e.CASSANDRA_REPLICATION,
      storagePort: e.CASSANDRA_STORAGE_PORT,
      jmxPort: e.CASSANDRA_JMX_PORT,
      heapMb: e.CASSANDRA_HEAP_MB,
    }),
    hdfs: Object.freeze({
      url: e.HDFS_URL,
      webUrl: e.WEBHDFS_URL.replace(/\/$/, ''),
      user: e.HDFS_USER,
      host: hdfs.hostname,
      port: hdfs.port ? Number(hdfs.port) : 8020,
      httpPort: urlPort(webhdfs),
      dataNodePort: e.HDFS_DATANODE_PORT,
      dataNodeHttpPort: e.HDFS_DATANODE_HTTP_PORT,
      dataNodeIpcPort: e.HDFS_DATANODE_IPC_PORT,
      nameNodeHeapMb: e.HDFS_NAMENODE_HEAP_MB,
      dataNodeHeapMb: e.HDFS_DATANODE_HEAP_MB,
    }),
    flink: Object.freeze({
      restUrl: e.FLINK_REST_URL.replace(/\/$/, ''),
      host: flink.hostname,
      restPort: urlPort(flink),
      rpcPort: e.FLINK_RPC_PORT,
      blobPort: e.FLINK_BLOB_PORT,
      taskManagerRpcPort: e.FLINK_TASKMANAGER_RPC_PORT,
      taskManagerDataPort: e.FLINK_TASKMANAGER_DATA_PORT,
      jobManagerMb: e.FLINK_JOBMANAGER_MB,
      taskManagerMb: e.FLINK_TASKMANAGER_MB,
      taskSlots: e.FLINK_TASK_SLOTS,
      checkpointsDir,
    }),
    spark: Object.freeze({
      master: e.SPARK_MASTER,
      driverMb: e.SPARK_DRIVER_MB,
    }),
  });
}

export type StackConfig = ReturnType<typeof loadConfig>;
