import fs from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config.ts';
import { canConnect, findJava, runJava } from '../process.ts';
import { libClasspath, type Engine } from './engine.ts';

/**
 * Spark 3.5 for `spark-submit`: no daemon. Locally, the driver and executors run inside the
 * submitting JVM (`local[2]`); with SPARK_MASTER=spark://host:port the same call submits to a cluster.
 * spark-submit itself is `java -cp <spark jars> org.apache.spark.deploy.SparkSubmit`.
 */

/** Spark 3.5's JavaModuleOptions: what bin/spark-submit adds on Java 17. */
export const SPARK_JAVA17 = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...['java.lang', 'java.lang.invoke', 'java.lang.reflect', 'java.io', 'java.net', 'java.nio', 'java.util', 'java.util.concurrent', 'java.util.concurrent.atomic', 'jdk.internal.ref', 'sun.nio.ch', 'sun.nio.cs', 'sun.security.action', 'sun.util.calendar'].map(
    (p) => `--add-opens=java.base/${p}=ALL-UNNAMED`,
  ),
  '--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  '-Djdk.reflect.useDirectMethodHandle=false',
  '-Dio.netty.tryReflectionSetAccessible=true',
];

export interface SparkSubmitOptions {
  jar: string;
  mainClass: string;
  args?: string[];
  /** extra `--conf key=value` pairs */
  conf?: Record<string, string>;
  /** where spark-submit's output goes */
  logFile: string;
}

/** The Spark conf that points a job at this stack's HDFS and Cassandra. */
export function stackSparkConf(config: StackConfig): Record<string, string> {
  return {
    'spark.hadoop.fs.defaultFS': config.hdfs.url,
    'spark.cassandra.connection.host': config.cassandra.contactPoints.map((c) => c.split(':')[0]).join(','),
    'spark.cassandra.connection.port': config.cassandra.contactPoints[0]!.split(':')[1]!,
    'spark.cassandra.connection.localDC': config.cassandra.datacenter,
    'spark.ui.enabled': 'false',
    'spark.sql.shuffle.partitions': '8',
    'spark.local.dir': path.join(config.dirs.tmp, 'spark'),
  };
}

/** Runs spark-submit to completion and returns its output; throws with the tail on failure. */
export async function sparkSubmit(config: StackConfig, { jar, mainClass, args = [], conf = {}, logFile }: SparkSubmitOptions): Promise<string> {
  const java = await findJava(config.javaHome);
  const allConf = { ...stackSparkConf(config), ...conf };
  fs.mkdirSync(allConf['spark.local.dir']!, { recursive: true });
  return runJava(java, {
    name: 'spark-submit',
    mainClass: 'org.apache.spark.deploy.SparkSubmit',
    classpath: [libClasspath(path.join(config.dirs.lib, 'spark'))],
    jvmOptions: [`-Xmx${config.spark.driverMb}m`, `-Djava.io.tmpdir=${config.dirs.tmp}`, ...SPARK_JAVA17],
    args: [
      '--master',
      config.spark.master,
      '--class',
      mainClass,
      ...Object.entries(allConf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]),
      jar,
      ...args,
    ],
    logFile,
  });
}

export const sparkEngine: Engine = {
  name: 'spark',
  address: (config) => config.spark.master,
  processes: () => [],

  async probe(config) {
    // spark-submit needs the Spark jars here, whether the master is local or a cluster
    const lib = path.join(config.dirs.lib, 'spark');
    const core = fs.existsSync(lib) ? fs.readdirSync(lib).find((f) => f.startsWith('spark-core_')) : undefined;
    if (!core) throw new Error(`the Spark client is not installed in ${lib} (npm start installs it)`);
    const master = /^spark:\/\/([^:/]+):(\d+)/.exec(config.spark.master);
    if (master && !(await canConnect(master[1]!, Number(master[2])))) throw new Error(`Spark master ${config.spark.master} does not answer`);
    return `${core.replace(/\.jar$/, '')}, spark-submit --master ${config.spark.master}`;
  },
};
