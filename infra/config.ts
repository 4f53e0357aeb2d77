/**
 * The stack's configuration: read once from the environment, validated, frozen.
 * Every key, its default and its meaning are listed in docs/configuration.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../lib/errors.ts';
import { withTopology } from '../lib/env-config.ts';
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
  /**
   * local: infra/ installs and runs every engine here as processes; containers: the same engines
   * as containers (testcontainers, a Docker engine); external: use existing clusters, start nothing
   */
  STACK: z.enum(['local', 'containers', 'external']).default('local'),
  /**
   * single: one process per role; cluster: the local stack as multi-node clusters (3 Kafka brokers,
   * 3 Cassandra nodes, 3 DataNodes, 2 TaskManagers, Spark master and 2 workers), its defaults in
   * lib/env-config.ts CLUSTER_DEFAULTS (docs/cluster.md)
   */
  STACK_TOPOLOGY: z.enum(['single', 'cluster']).default('single'),
  /** STACK=containers: the user-defined network's subnet (a /24); each process has a fixed address in it */
  STACK_CONTAINERS_SUBNET: z
    .string()
    .regex(/^(\d{1,3}\.){3}0\/24$/, 'expected a /24 such as 172.29.42.0/24')
    .default('172.29.42.0/24'),
  /** STACK=containers: the image the engine images are built on (Java 17 on PATH); unset: Debian made here by debootstrap */
  STACK_CONTAINERS_BASE_IMAGE: z.string().optional(),
  /** STACK=containers: the Debian mirror debootstrap builds the base image from */
  STACK_CONTAINERS_DEBIAN_MIRROR: z.url().default('http://deb.debian.org/debian'),
  /** default: <repo>/.stack, and <repo>/.stack-containers for STACK=containers (addresses and data differ) */
  STACK_DIR: z.string().optional(),
  STACK_READY_TIMEOUT_S: z.coerce.number().positive().default(180),
  /** a Java 17 (or 11) installation; Cassandra refuses anything newer */
  JAVA_HOME: z.string().optional(),

  KAFKA_BROKERS: hostPortList.default(['127.0.0.1:9092']),
  KAFKA_CONTROLLER_PORT: port.default(9093),
  KAFKA_HEAP_MB: megabytes.default(768),
  KAFKA_TOPIC_RATINGS_PARTITIONS: z.coerce.number().int().min(1).default(4),
  /** replicas of each product topic the stack creates (locally also the internal topics', up to the brokers there are) */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  /** the product topics' min.insync.replicas: with acks=all, a write needs this many replicas */
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).default(1),
  /** how every client (and, locally, the broker's listener) authenticates: SASL by default */
  KAFKA_SECURITY_PROTOCOL: z.enum(['PLAINTEXT', 'SASL_PLAINTEXT', 'SSL', 'SASL_SSL']).default('SASL_PLAINTEXT'),
  KAFKA_SASL_MECHANISM: z.enum(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN']).default('SCRAM-SHA-256'),
  KAFKA_USERNAME: z.string().min(1).default('moviereco'),
  /** required for SASL on external clusters; locally made once and kept in <STACK_DIR>/secrets.json */
  KAFKA_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed the brokers' certificates (SSL, SASL_SSL); unset: the system's */
  KAFKA_SSL_CA_FILE: z.string().optional(),
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
  /** the consistency of every read and write of the product (API, jobs, batch); LOCAL_QUORUM of one replica is that replica */
  CASSANDRA_CONSISTENCY: z.enum(['ONE', 'LOCAL_ONE', 'QUORUM', 'LOCAL_QUORUM', 'EACH_QUORUM', 'ALL']).default('LOCAL_QUORUM'),
  /** password: every client logs in (locally PasswordAuthenticator); none: no credentials */
  CASSANDRA_AUTH: z.enum(['password', 'none']).default('password'),
  CASSANDRA_USERNAME: z.string().min(1).default('moviereco'),
  /** required with CASSANDRA_AUTH=password on external clusters; locally made once, like KAFKA_PASSWORD */
  CASSANDRA_PASSWORD: z.string().optional(),
  CASSANDRA_SSL: z.enum(['true', 'false']).default('false'),
  /** PEM file of the CA that signed the nodes' certificates; unset: the system's */
  CASSANDRA_SSL_CA_FILE: z.string().optional(),
  CASSANDRA_STORAGE_PORT: port.default(7000),
  CASSANDRA_JMX_PORT: port.default(7199),
  CASSANDRA_HEAP_MB: megabytes.default(1024),
  /**
   * the kernel's timer slack for Cassandra's threads, µs (Linux): its shared executor's idle
   * workers sleep 10 µs at a time, and on two cores those wake-ups cost more CPU than the
   * requests (docs/benchmarks.md, 2026-12-03 evening); 0: the kernel's default (50)
   */
  CASSANDRA_TIMER_SLACK_US: z.coerce.number().int().min(0).max(100_000).default(1000),

  HDFS_URL: z.url().default('hdfs://127.0.0.1:9000'),
  WEBHDFS_URL: z.url().default('http://127.0.0.1:9870'),
  HDFS_USER: z.string().default('moviereco'),
  HDFS_DATANODE_PORT: port.default(9866),
  HDFS_DATANODE_HTTP_PORT: port.default(9864),
  HDFS_DATANODE_IPC_PORT: port.default(9867),
  HDFS_NAMENODE_HEAP_MB: megabytes.default(512),
  /** DataNodes the local stack runs; the n-th (from 0) listens on the HDFS_DATANODE_*PORT ports plus 10·n */
  HDFS_DATANODES: z.coerce.number().int().min(1).max(9).default(1),
  /** replicas of each block the product writes (files, the jobs' archive, the batch's models) */
  HDFS_REPLICATION: z.coerce.number().int().min(1).default(1),
  HDFS_DATANODE_HEAP_MB: megabytes.default(384),

  FLINK_REST_URL: z.url().default('http://127.0.0.1:8081'),
  /** basic auth for a Flink REST API behind an authenticating proxy (Flink itself has none) */
  FLINK_REST_USERNAME: z.string().optional(),
  FLINK_REST_PASSWORD: z.string().optional(),
  /** PEM file of the CA that signed an https FLINK_REST_URL's certificate; unset: the system's */
  FLINK_REST_CA_FILE: z.string().optional(),
  /**
   * where the Flink jobs read the Kafka and Cassandra client security (a properties file, see
   * docs/security.md), as a path on the JobManager; locally written to <STACK_DIR>/conf/jobs/client-security.properties
   */
  JOBS_CLIENT_SECURITY_FILE: z.string().optional(),
  FLINK_RPC_PORT: port.default(6123),
  FLINK_BLOB_PORT: port.default(6124),
  /** 0: any free port. A TaskManager restarted on the address of one that just died is refused by the JobManager ("read-only association") until the old one times out */
  FLINK_TASKMANAGER_RPC_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  FLINK_TASKMANAGER_DATA_PORT: port.default(6121),
  FLINK_JOBMANAGER_MB: megabytes.default(1024),
  FLINK_TASKMANAGER_MB: megabytes.default(3072),
  FLINK_TASK_SLOTS: z.coerce.number().int().min(1).default(8),
  /** TaskManagers the local stack runs; the n-th (from 0) takes FLINK_TASKMANAGER_DATA_PORT plus n */
  FLINK_TASKMANAGERS: z.coerce.number().int().min(1).max(8).default(1),
  /**
   * where the jobs write their checkpoints, one folder per job name (the cluster's
   * state.checkpoints.dir too, locally): a URI, file:// or hdfs://; default file://<STACK_DIR>/data/flink/checkpoints
   */
  FLINK_CHECKPOINTS_DIR: z
    .string()
    .regex(/^[a-z][a-z0-9+.-]*:\/\/\S*$/, 'expected a URI such as file:///data/flink/checkpoints or hdfs://namenode:8020/flink/checkpoints')
    .optional(),

  /** local[N]: the batch runs inside spark-submit; spark://host:port: a standalone master (SPARK_WORKERS: run here) */
  SPARK_MASTER: z
    .string()
    .regex(/^(local(\[(\d+|\*)\])?|spark:\/\/[^\s:/]+:\d{1,5}|yarn|k8s:\/\/\S+)$/, 'expected local[N], spark://host:port, yarn or k8s://…')
    .default('local[2]'),
  SPARK_DRIVER_MB: megabytes.default(3072),
  /** a standalone master and this many workers run here, at SPARK_MASTER (spark://127.0.0.1:7077); each offers one executor */
  SPARK_WORKERS: z.coerce.number().int().min(0).max(8).default(0),
  /** on a cluster master: each executor's heap and cores (spark.executor.memory, spark.executor.cores) */
  SPARK_EXECUTOR_MB: megabytes.default(1536),
  SPARK_EXECUTOR_CORES: z.coerce.number().int().min(1).default(1),
  SPARK_MASTER_WEBUI_PORT: port.default(8090),
});

export type Env = z.input<typeof envSchema>;

/**
 * STACK=containers: each process's address in the network's /24 (the host reaches a Linux bridge
 * network directly, so the product's clients and the containers use the same addresses).
 */
export const CONTAINER_HOSTS = Object.freeze({
  kafka: 10,
  cassandra: 11,
  'hdfs-namenode': 12,
  'hdfs-datanode': 13,
  'flink-jobmanager': 14,
  'flink-taskmanager': 15,
});

/** The addresses STACK=containers assigns: not to be set by hand there. */
const CONTAINER_ADDRESS_KEYS = ['KAFKA_BROKERS', 'CASSANDRA_CONTACT_POINTS', 'HDFS_URL', 'WEBHDFS_URL', 'FLINK_REST_URL'] as const;

function containerHost(subnet: string, name: keyof typeof CONTAINER_HOSTS): string {
  return subnet.replace(/0\/24$/, String(CONTAINER_HOSTS[name]));
}

/** The engines' addresses on the containers' network, at their default ports. */
function containerAddresses(subnet: string): Pick<z.output<typeof envSchema>, (typeof CONTAINER_ADDRESS_KEYS)[number]> {
  const host = (name: keyof typeof CONTAINER_HOSTS) => containerHost(subnet, name);
  return {
    KAFKA_BROKERS: [`${host('kafka')}:9092`],
    CASSANDRA_CONTACT_POINTS: [`${host('cassandra')}:9042`],
    HDFS_URL: `hdfs://${host('hdfs-namenode')}:9000`,
    WEBHDFS_URL: `http://${host('hdfs-namenode')}:9870`,
    FLINK_REST_URL: `http://${host('flink-jobmanager')}:8081`,
  };
}

/** `host:port` as its parts. */
export function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  return { host: value.slice(0, i), port: Number(value.slice(i + 1)) };
}

function urlPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * The local stack's passwords: made once (random), kept in `<stackDir>/secrets.json` (mode 0600,
 * outside the folders `reset` removes, so a reset stack is formatted with the same ones).
 */
function localSecrets(stackDir: string): { kafka: string; cassandra: string } {
  const file = path.join(stackDir, 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as { kafka: string; cassandra: string };
  const secret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
  const secrets = { kafka: secret(), cassandra: secret() };
  fs.mkdirSync(stackDir, { recursive: true });
  // written whole under another name, then linked: a second process starting at the same moment
  // never reads half a file, and whichever links first wins
  const draft = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(draft, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  try {
    fs.linkSync(draft, file);
    return secrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { kafka: string; cassandra: string };
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

export function loadConfig(environment: Record<string, string | undefined> = process.env) {
  const env = withTopology(environment);
  // unset and empty variables both mean "use the default"
  const defined = Object.fromEntries(Object.entries(env).filter(([key, value]) => key in envSchema.shape && value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(
      'invalid stack configuration',
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const containers = parsed.data.STACK === 'containers';
  const e = containers ? { ...parsed.data, ...containerAddresses(parsed.data.STACK_CONTAINERS_SUBNET) } : parsed.data;
  const cluster = e.STACK_TOPOLOGY === 'cluster';
  const stackDir = path.resolve(e.STACK_DIR ?? path.join(repoRoot, containers ? '.stack-containers' : cluster ? '.stack-cluster' : '.stack'));
  const kafka = parseHostPort(e.KAFKA_BROKERS[0]!);
  const cassandra = parseHostPort(e.CASSANDRA_CONTACT_POINTS[0]!);
  const hdfs = new URL(e.HDFS_URL);
  const webhdfs = new URL(e.WEBHDFS_URL);
  const flink = new URL(e.FLINK_REST_URL);
  const sasl = e.KAFKA_SECURITY_PROTOCOL.startsWith('SASL');
  const cassandraLogin = e.CASSANDRA_AUTH === 'password';
  // the engines run here (as processes or containers): the project makes their passwords and settings
  const local = e.STACK !== 'external';
  const sparkMaster = /^spark:\/\/([^:/]+):(\d+)$/.exec(e.SPARK_MASTER);
  const hostsOf = (list: readonly string[]) => list.map((a) => parseHostPort(a).host);
  const distinct = (list: readonly string[]) => new Set(list).size === list.length;
  const problems = [
    ...(cluster && e.STACK !== 'local'
      ? [`STACK_TOPOLOGY: cluster is the local stack as multi-node clusters (STACK=local); with STACK=${e.STACK} set the addresses and replication yourself`]
      : []),
    // each local node has its own address (127.0.0.x) and shares the ports: Kafka's controller port, Spark's one Cassandra port
    ...(e.STACK === 'local' && !distinct(hostsOf(e.KAFKA_BROKERS))
      ? ['KAFKA_BROKERS: the local stack runs a broker per address: give each its own host (127.0.0.1, 127.0.0.2, …)']
      : []),
    ...(e.STACK === 'local' && !distinct(hostsOf(e.CASSANDRA_CONTACT_POINTS))
      ? ['CASSANDRA_CONTACT_POINTS: the local stack runs a node per address: give each its own host (127.0.0.1, 127.0.0.2, …)']
      : []),
    ...(new Set(e.CASSANDRA_CONTACT_POINTS.map((a) => parseHostPort(a).port)).size > 1
      ? ['CASSANDRA_CONTACT_POINTS: every node on the same port (the Spark connector takes one)']
      : []),
    ...(e.KAFKA_MIN_INSYNC_REPLICAS > e.KAFKA_REPLICATION_FACTOR
      ? [
          `KAFKA_MIN_INSYNC_REPLICAS: ${e.KAFKA_MIN_INSYNC_REPLICAS} is more than KAFKA_REPLICATION_FACTOR (${e.KAFKA_REPLICATION_FACTOR}): no write could succeed`,
        ]
      : []),
    ...(local && e.KAFKA_REPLICATION_FACTOR > e.KAFKA_BROKERS.length
      ? [`KAFKA_REPLICATION_FACTOR: ${e.KAFKA_REPLICATION_FACTOR} replicas need as many brokers; KAFKA_BROKERS lists ${e.KAFKA_BROKERS.length}`]
      : []),
    ...(local && e.HDFS_REPLICATION > e.HDFS_DATANODES
      ? [`HDFS_REPLICATION: ${e.HDFS_REPLICATION} replicas need as many DataNodes; HDFS_DATANODES is ${e.HDFS_DATANODES}`]
      : []),
    ...(e.SPARK_WORKERS > 0 && (!sparkMaster || e.STACK !== 'local')
      ? ['SPARK_WORKERS: the workers run here, under a master the local stack starts at SPARK_MASTER: set it to spark://127.0.0.1:7077 (STACK=local)']
      : []),
    ...(e.STACK === 'containers' && (e.HDFS_DATANODES > 1 || e.FLINK_TASKMANAGERS > 1 || e.SPARK_WORKERS > 0)
      ? ['HDFS_DATANODES, FLINK_TASKMANAGERS, SPARK_WORKERS: STACK=containers runs one of each (the cluster topology is STACK=local)']
      : []),
    ...(containers
      ? CONTAINER_ADDRESS_KEYS.filter((key) => key in defined).map(
          (key) => `${key}: STACK=containers gives every engine an address in STACK_CONTAINERS_SUBNET (${e.STACK_CONTAINERS_SUBNET}); leave it unset`,
        )
      : []),
    // locally the passwords are made (localSecrets); external clusters have their own
    ...(!local && sasl && e.KAFKA_PASSWORD === undefined ? [`KAFKA_PASSWORD: required with KAFKA_SECURITY_PROTOCOL=${e.KAFKA_SECURITY_PROTOCOL}`] : []),
    ...(!local && cassandraLogin && e.CASSANDRA_PASSWORD === undefined ? ['CASSANDRA_PASSWORD: required with CASSANDRA_AUTH=password'] : []),
    ...((e.FLINK_REST_USERNAME === undefined) !== (e.FLINK_REST_PASSWORD === undefined)
      ? ['FLINK_REST_USERNAME, FLINK_REST_PASSWORD: give both or neither']
      : []),
    ...(local && e.KAFKA_SECURITY_PROTOCOL.endsWith('SSL')
      ? ['KAFKA_SECURITY_PROTOCOL: the local stack runs Kafka without TLS: PLAINTEXT or SASL_PLAINTEXT (TLS is for STACK=external)']
      : []),
    ...(local && sasl && e.KAFKA_SASL_MECHANISM === 'PLAIN' ? ['KAFKA_SASL_MECHANISM: the local stack keeps SCRAM users: SCRAM-SHA-256 or SCRAM-SHA-512'] : []),
    ...(local && [e.KAFKA_USERNAME, e.KAFKA_PASSWORD ?? ''].some((v) => /[\s,\]["'\\=]/.test(v))
      ? ['KAFKA_USERNAME, KAFKA_PASSWORD: the local stack makes its SCRAM user from them: no spaces, quotes, backslashes, commas, brackets or =']
      : []),
    ...(local && cassandraLogin && e.CASSANDRA_USERNAME === 'cassandra'
      ? ["CASSANDRA_USERNAME: the local stack takes the login of Cassandra's default superuser 'cassandra' away: choose another name"]
      : []),
    ...(local && e.CASSANDRA_SSL === 'true' ? ['CASSANDRA_SSL: the local stack runs Cassandra without TLS (TLS is for STACK=external)'] : []),
  ];
  if (problems.length > 0) throw new ConfigError('invalid stack configuration', problems);
  const secrets = local && ((sasl && !e.KAFKA_PASSWORD) || (cassandraLogin && !e.CASSANDRA_PASSWORD)) ? localSecrets(stackDir) : undefined;
  // set only where it differs from the broker's default (1), so topics made before stay as they are
  const topicConfig: Readonly<Record<string, string>> = e.KAFKA_MIN_INSYNC_REPLICAS > 1 ? { 'min.insync.replicas': String(e.KAFKA_MIN_INSYNC_REPLICAS) } : {};
  const checkpointsDir = (e.FLINK_CHECKPOINTS_DIR ?? `file://${path.join(stackDir, 'data', 'flink', 'checkpoints')}`).replace(/\/+$/, '');

  return Object.freeze({
    mode: e.STACK,
    topology: e.STACK_TOPOLOGY,
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
    containers: containers
      ? Object.freeze({
          subnet: e.STACK_CONTAINERS_SUBNET,
          baseImage: e.STACK_CONTAINERS_BASE_IMAGE,
          debianMirror: e.STACK_CONTAINERS_DEBIAN_MIRROR,
          hostOf: (name: string) => (name in CONTAINER_HOSTS ? containerHost(e.STACK_CONTAINERS_SUBNET, name as keyof typeof CONTAINER_HOSTS) : undefined),
        })
      : undefined,
    javaHome: e.JAVA_HOME,
    kafka: Object.freeze({
      brokers: e.KAFKA_BROKERS,
      host: kafka.host,
      port: kafka.port,
      controllerPort: e.KAFKA_CONTROLLER_PORT,
      heapMb: e.KAFKA_HEAP_MB,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
      minInsyncReplicas: e.KAFKA_MIN_INSYNC_REPLICAS,
      security: Object.freeze({
        protocol: e.KAFKA_SECURITY_PROTOCOL,
        mechanism: e.KAFKA_SASL_MECHANISM,
        username: e.KAFKA_USERNAME,
        password: sasl ? (e.KAFKA_PASSWORD ?? secrets!.kafka) : undefined,
        caFile: e.KAFKA_SSL_CA_FILE,
      }),
      topics: Object.freeze([
        { topic: e.JOBS_TOPIC_RATINGS, numPartitions: e.KAFKA_TOPIC_RATINGS_PARTITIONS, config: topicConfig },
        { topic: e.JOBS_TOPIC_DLQ, numPartitions: 1, config: topicConfig },
        { topic: e.JOBS_TOPIC_MODEL_UPDATES, numPartitions: 1, config: { ...MODEL_UPDATES_TOPIC_CONFIG, ...topicConfig } },
      ]),
    }),
    cassandra: Object.freeze({
      contactPoints: e.CASSANDRA_CONTACT_POINTS,
      host: cassandra.host,
      port: cassandra.port,
      datacenter: e.CASSANDRA_DATACENTER,
      keyspace: e.CASSANDRA_KEYSPACE,
      replication: e.CASSANDRA_REPLICATION,
      consistency: e.CASSANDRA_CONSISTENCY,
      credentials: cassandraLogin ? Object.freeze({ username: e.CASSANDRA_USERNAME, password: e.CASSANDRA_PASSWORD ?? secrets!.cassandra }) : undefined,
      ssl: e.CASSANDRA_SSL === 'true' ? Object.freeze({ caFile: e.CASSANDRA_SSL_CA_FILE }) : undefined,
      storagePort: e.CASSANDRA_STORAGE_PORT,
      jmxPort: e.CASSANDRA_JMX_PORT,
      heapMb: e.CASSANDRA_HEAP_MB,
      timerSlackUs: e.CASSANDRA_TIMER_SLACK_US,
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
      dataNodes: e.HDFS_DATANODES,
      replication: e.HDFS_REPLICATION,
      /** where the local DataNode listens: the NameNode's host, or its own container's */
      dataNodeHost: containers ? containerHost(e.STACK_CONTAINERS_SUBNET, 'hdfs-datanode') : hdfs.hostname,
    }),
    flink: Object.freeze({
      restUrl: e.FLINK_REST_URL.replace(/\/$/, ''),
      host: flink.hostname,
      restPort: urlPort(flink),
      restAuth: e.FLINK_REST_USERNAME !== undefined ? Object.freeze({ username: e.FLINK_REST_USERNAME, password: e.FLINK_REST_PASSWORD ?? '' }) : undefined,
      restCaFile: e.FLINK_REST_CA_FILE,
      clientSecurityFile: e.JOBS_CLIENT_SECURITY_FILE ?? (local ? path.join(stackDir, 'conf', 'jobs', 'client-security.properties') : undefined),
      rpcPort: e.FLINK_RPC_PORT,
      blobPort: e.FLINK_BLOB_PORT,
      taskManagerRpcPort: e.FLINK_TASKMANAGER_RPC_PORT,
      taskManagerDataPort: e.FLINK_TASKMANAGER_DATA_PORT,
      jobManagerMb: e.FLINK_JOBMANAGER_MB,
      taskManagerMb: e.FLINK_TASKMANAGER_MB,
      taskSlots: e.FLINK_TASK_SLOTS,
      taskManagers: e.FLINK_TASKMANAGERS,
      /**
       * where the local JobManager and TaskManager bind: their host, or every address of their
       * container (Flink reaches its own blob server at localhost, so the container's address alone fails)
       */
      bindHost: containers ? '0.0.0.0' : flink.hostname,
      /** where the local TaskManager listens: the JobManager's host, or its own container's */
      taskManagerHost: containers ? containerHost(e.STACK_CONTAINERS_SUBNET, 'flink-taskmanager') : flink.hostname,
      checkpointsDir,
    }),
    spark: Object.freeze({
      master: e.SPARK_MASTER,
      driverMb: e.SPARK_DRIVER_MB,
      /** the standalone master and workers the local stack runs (none unless SPARK_WORKERS) */
      standalone:
        e.SPARK_WORKERS > 0 && sparkMaster
          ? Object.freeze({ host: sparkMaster[1]!, port: Number(sparkMaster[2]), webUiPort: e.SPARK_MASTER_WEBUI_PORT, workers: e.SPARK_WORKERS })
          : undefined,
      executorMb: e.SPARK_EXECUTOR_MB,
      executorCores: e.SPARK_EXECUTOR_CORES,
    }),
  });
}

export type StackConfig = ReturnType<typeof loadConfig>;
