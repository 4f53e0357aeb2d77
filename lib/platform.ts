/**
 * What the product's layers need from the engines, as an interface: where they are, and the two
 * things only the engines' installation can do (build a job jar, run spark-submit). The layers take
 * a `Platform`; the system tier hands them the one `infra/platform.ts` builds from the stack's
 * configuration, so no layer imports `infra/`.
 */
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';

export interface Endpoints {
  kafka: { brokers: readonly string[] };
  cassandra: { contactPoints: readonly string[]; datacenter: string; keyspace: string; replication: string };
  /** `url`: what the JVM jobs use (hdfs://); `webUrl`: WebHDFS, what TypeScript uses */
  hdfs: { url: string; webUrl: string; user: string };
  /**
   * `checkpointsDir`: a URI (file:// locally) below which each job keeps its checkpoints in a
   * folder of its name (`<dir>/<job name>/<job id>/chk-N`), so they outlive the JobManager's memory
   */
  flink: { restUrl: string; checkpointsDir: string };
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

/** A Cassandra client for these engines (not yet connected). */
export function cassandraClient(endpoints: Pick<Endpoints, 'cassandra'>, keyspace?: string): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [...endpoints.cassandra.contactPoints],
    localDataCenter: endpoints.cassandra.datacenter,
    keyspace,
    socketOptions: { connectTimeout: 3000, readTimeout: 12_000 },
  });
}

/** A kafkajs client for these engines. */
export function kafkaClient(endpoints: Pick<Endpoints, 'kafka'>, clientId = 'moviereco'): Kafka {
  return new Kafka({
    clientId,
    brokers: [...endpoints.kafka.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}
