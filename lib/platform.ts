/**
 * What the product's layers need from the engines, as an interface: where they are, and the two
 * things only the engines' installation can do (build a job jar, run spark-submit). The layers take
 * a `Platform`; the system tier hands them the one `infra/platform.ts` builds from the stack's
 * configuration, so no layer imports `infra/`.
 */
import fs from 'node:fs';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { LoginRefusedError } from './errors.ts';

/** How a Kafka client authenticates (docs/security.md); `password` is set for the SASL protocols. */
export interface KafkaSecurity {
  protocol: 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'PLAIN';
  username: string;
  password?: string | undefined;
  /** PEM CA of the brokers' certificates (TLS); unset: the system's */
  caFile?: string | undefined;
}

export interface KafkaEndpoint {
  brokers: readonly string[];
  security: KafkaSecurity;
}

export type CassandraConsistency = 'ONE' | 'LOCAL_ONE' | 'QUORUM' | 'LOCAL_QUORUM' | 'EACH_QUORUM' | 'ALL';

/** The driver's code of a consistency level by its CQL name. */
export function consistencyCode(level: CassandraConsistency): number {
  const { consistencies } = cassandra.types;
  return {
    ONE: consistencies.one,
    LOCAL_ONE: consistencies.localOne,
    QUORUM: consistencies.quorum,
    LOCAL_QUORUM: consistencies.localQuorum,
    EACH_QUORUM: consistencies.eachQuorum,
    ALL: consistencies.all,
  }[level];
}

export interface CassandraEndpoint {
  contactPoints: readonly string[];
  datacenter: string;
  keyspace: string;
  replication: string;
  /** every read and write of the product (CASSANDRA_CONSISTENCY); unset: LOCAL_QUORUM */
  consistency?: CassandraConsistency | undefined;
  /** unset: the cluster takes anyone (AllowAllAuthenticator) */
  credentials?: { username: string; password: string } | undefined;
  /** set: TLS, with this PEM CA (unset: the system's) */
  ssl?: { caFile?: string | undefined } | undefined;
}

export interface Endpoints {
  kafka: KafkaEndpoint;
  cassandra: CassandraEndpoint;
  /** `url`: what the JVM jobs use (hdfs://); `webUrl`: WebHDFS, what TypeScript uses */
  hdfs: { url: string; webUrl: string; user: string };
  /**
   * `checkpointsDir`: a URI (file:// locally) below which each job keeps its checkpoints in a
   * folder of its name (`<dir>/<job name>/<job id>/chk-N`), so they outlive the JobManager's memory
   */
  flink: {
    restUrl: string;
    checkpointsDir: string;
    /** basic auth, for a REST API behind an authenticating proxy */
    restAuth?: { username: string; password: string } | undefined;
    /** PEM CA of an https REST API's certificate */
    restCaFile?: string | undefined;
    /**
     * where the jobs read their Kafka and Cassandra client security (`--client.security.file`), a
     * path on the JobManager; unset: the jobs connect without credentials
     */
    clientSecurityFile?: string | undefined;
  };
  /** `run`: lock files; `logs`: build and job logs */
  dirs: { run: string; logs: string };
}

export type JobProject = 'flink-jobs' | 'spark-jobs';

export interface SparkSubmitOptions {
  jar: string;
  mainClass: string;
  args?: string[];
  /** extra `--conf key=value` pairs */
  conf?: Record<string, string>;
  /** where spark-submit's output goes */
  logFile: string;
}

export interface SparkRun {
  pid: number;
  /** resolves with the exit code (or the signal that ended it) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Platform extends Endpoints {
  /** the job jar's path, built first when its sources are newer */
  jobJar(project: JobProject, log?: (line: string) => void): Promise<string>;
  /** a hash of everything the jar is built from: a running job with another hash runs other code */
  jobSourceHash(project: JobProject): string;
  /** starts spark-submit against these engines; every output line goes to `onLine` */
  startSparkSubmit(options: SparkSubmitOptions, onLine?: (line: string) => void): Promise<SparkRun>;
}

/** What a client needs of Flink's REST API: its URL, and the basic auth and CA it may sit behind. */
export type FlinkRest = Pick<Endpoints['flink'], 'restUrl' | 'restAuth' | 'restCaFile'>;

/** got's options for that REST API: basic auth and a PEM CA when configured. */
export function flinkRestHttpOptions({ restAuth, restCaFile }: FlinkRest): {
  username?: string;
  password?: string;
  https?: { certificateAuthority: Buffer };
} {
  return {
    ...(restAuth ? { username: restAuth.username, password: restAuth.password } : {}),
    ...(restCaFile ? { https: { certificateAuthority: fs.readFileSync(restCaFile) } } : {}),
  };
}

/** How long an idempotent Cassandra query waits before it is sent to a second coordinator too. */
export const SPECULATE_AFTER_MS = 250;

/** A Cassandra client for these engines (not yet connected). */
export function cassandraClient(endpoints: Pick<Endpoints, 'cassandra'>, keyspace?: string): cassandra.Client {
  const { credentials, ssl } = endpoints.cassandra;
  return new cassandra.Client({
    contactPoints: [...endpoints.cassandra.contactPoints],
    localDataCenter: endpoints.cassandra.datacenter,
    keyspace,
    socketOptions: { connectTimeout: 3000, readTimeout: 12_000 },
    queryOptions: { consistency: consistencyCode(endpoints.cassandra.consistency ?? 'LOCAL_QUORUM') },
    // an idempotent query (the API's reads) still unanswered after this long goes to a second
    // coordinator as well: a node that died mid-request costs that delay, not a request timeout
    policies: { speculativeExecution: new cassandra.policies.speculativeExecution.ConstantSpeculativeExecutionPolicy(SPECULATE_AFTER_MS, 1) },
    ...(credentials ? { credentials: { username: credentials.username, password: credentials.password } } : {}),
    ...(ssl ? { sslOptions: { rejectUnauthorized: true, ...(ssl.caFile ? { ca: [fs.readFileSync(ssl.caFile)] } : {}) } } : {}),
  });
}

/** Whether Cassandra refused a client's login (wrong user or password), as opposed to not answering. */
export function isCassandraLoginRefused(error: unknown): boolean {
  if (error instanceof cassandra.errors.AuthenticationError) return true;
  if (error instanceof cassandra.errors.NoHostAvailableError) {
    return Object.values(error.innerErrors as Record<string, unknown>).some((e) => e instanceof cassandra.errors.AuthenticationError);
  }
  return false;
}

/** Whether a Kafka client's SASL login was refused (kafkajs, or @platformatic/kafka's nested errors). */
export function isKafkaLoginRefused(error: unknown): boolean {
  const seen = new Set<unknown>();
  const walk = (e: unknown): boolean => {
    if (!(e instanceof Error) || seen.has(e)) return false;
    seen.add(e);
    if (e.name === 'KafkaJSSASLAuthenticationError' || (e as { code?: string }).code === 'PLT_KFK_AUTHENTICATION') return true;
    return [...((e as { errors?: unknown[] }).errors ?? []), e.cause].some(walk);
  };
  return walk(error);
}

/**
 * A refused login as an error that says which setting to check; undefined for every other failure
 * (an engine that is down is a different problem, with a different fix).
 */
export function loginRefused(error: unknown, endpoints: Pick<Endpoints, 'kafka' | 'cassandra'>): LoginRefusedError | undefined {
  if (isKafkaLoginRefused(error)) {
    const { protocol, mechanism, username } = endpoints.kafka.security;
    return new LoginRefusedError(
      `Kafka at ${endpoints.kafka.brokers.join(',')} refused the login of ${username} (${protocol}, ${mechanism}): check KAFKA_USERNAME and KAFKA_PASSWORD`,
      { cause: error },
    );
  }
  if (isCassandraLoginRefused(error)) {
    const login = endpoints.cassandra.credentials;
    return new LoginRefusedError(
      login
        ? `Cassandra at ${endpoints.cassandra.contactPoints.join(',')} refused the login of ${login.username}: check CASSANDRA_USERNAME and CASSANDRA_PASSWORD`
        : `Cassandra at ${endpoints.cassandra.contactPoints.join(',')} requires a login: set CASSANDRA_AUTH=password, CASSANDRA_USERNAME and CASSANDRA_PASSWORD`,
      { cause: error },
    );
  }
  return undefined;
}

/**
 * Logs in to Kafka and Cassandra once, so that wrong credentials stop a service at its start with
 * a clear error instead of failing every request later. An engine that does not answer is not an
 * error here: services start degraded and recover when it comes back.
 */
export async function checkLogins(endpoints: Pick<Endpoints, 'kafka' | 'cassandra'>): Promise<void> {
  const cql = cassandraClient(endpoints);
  const admin = kafkaClient(endpoints, 'moviereco-login-check').admin();
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      const refused = loginRefused(error, endpoints);
      if (refused) throw refused;
    }
  };
  try {
    await attempt(() => cql.connect());
    await attempt(async () => {
      await admin.connect();
      await admin.describeCluster();
    });
  } finally {
    await Promise.allSettled([cql.shutdown(), admin.disconnect()]);
  }
}

/** TLS options of a PEM CA file for Node's clients: `true` (the system's CAs) when there is none. */
export function tlsOf(caFile: string | undefined): true | { ca: Buffer[] } {
  return caFile ? { ca: [fs.readFileSync(caFile)] } : true;
}

/** kafkajs's `ssl` and `sasl` options for a Kafka endpoint's security. */
export function kafkaJsSecurity(security: KafkaSecurity): { ssl?: true | { ca: Buffer[] }; sasl?: SASLOptions } {
  const tls = security.protocol === 'SSL' || security.protocol === 'SASL_SSL';
  const sasl = security.protocol.startsWith('SASL');
  const mechanism = security.mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
  return {
    ...(tls ? { ssl: tlsOf(security.caFile) } : {}),
    ...(sasl ? { sasl: { mechanism, username: security.username, password: security.password ?? '' } as SASLOptions } : {}),
  };
}

/** @platformatic/kafka's `tls` and `sasl` connection options for a Kafka endpoint's security. */
export function platformaticSecurity({ protocol, mechanism, username, password, caFile }: KafkaSecurity): {
  tls?: { ca?: Buffer[] };
  sasl?: { mechanism: KafkaSecurity['mechanism']; username: string; password: string };
} {
  const tls = tlsOf(caFile);
  return {
    ...(protocol === 'SSL' || protocol === 'SASL_SSL' ? { tls: tls === true ? {} : tls } : {}),
    ...(protocol.startsWith('SASL') ? { sasl: { mechanism, username, password: password ?? '' } } : {}),
  };
}

/** A kafkajs client for these engines. */
export function kafkaClient(endpoints: Pick<Endpoints, 'kafka'>, clientId = 'moviereco'): Kafka {
  return new Kafka({
    clientId,
    brokers: [...endpoints.kafka.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 200 },
    ...kafkaJsSecurity(endpoints.kafka.security),
  });
}
