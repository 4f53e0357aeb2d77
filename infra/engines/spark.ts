import fs from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config.ts';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { StackError } from '../../lib/errors.ts';
import { startSparkContainer } from '../containers.ts';
import { canConnect, findJava } from '../process.ts';
import { libClasspath, writePrivateFile, type Engine } from './engine.ts';
import type { SparkRun, SparkSubmitOptions } from '../../lib/platform.ts';
import { javaProperties } from '../../schemas/client-security.ts';

/**
 * Spark 3.5 for `spark-submit`: no daemon. Locally, the driver and executors run inside the
 * submitting JVM (`local[2]`); with SPARK_MASTER=spark://host:port the same call submits to a cluster.
 * spark-submit itself is `java -cp <spark jars> org.apache.spark.deploy.SparkSubmit`.
 */

/** Spark 3.5's JavaModuleOptions: what bin/spark-submit adds on Java 17. */
export const SPARK_JAVA17 = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...[
    'java.lang',
    'java.lang.invoke',
    'java.lang.reflect',
    'java.io',
    'java.net',
    'java.nio',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'jdk.internal.ref',
    'sun.nio.ch',
    'sun.nio.cs',
    'sun.security.action',
    'sun.util.calendar',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
  '--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  '-Djdk.reflect.useDirectMethodHandle=false',
  '-Dio.netty.tryReflectionSetAccessible=true',
];

/** The Spark conf that points a job at this stack's HDFS and Cassandra. */
export function stackSparkConf(config: StackConfig): Record<string, string> {
  return {
    'spark.hadoop.fs.defaultFS': config.hdfs.url,
    'spark.cassandra.connection.host': config.cassandra.contactPoints.map((c) => c.split(':')[0]).join(','),
    'spark.cassandra.connection.port': config.cassandra.contactPoints[0]!.split(':')[1]!,
    'spark.cassandra.connection.localDC': config.cassandra.datacenter,
    'spark.ui.enabled': 'false',
    // the batch job sets its own from the cores and the data (BATCH_SHUFFLE_PARTITIONS, spark-jobs Sizing)
    'spark.sql.shuffle.partitions': '8',
    'spark.local.dir': path.join(config.dirs.tmp, 'spark'),
    // executors on a cluster write HDFS as this user too (the driver takes it from its environment)
    'spark.executorEnv.HADOOP_USER_NAME': config.hdfs.user,
  };
}

/**
 * The Cassandra connector's login and TLS. They go into a properties file (mode 0600), not onto
 * the command line, where any user of the machine could read the password; Spark redacts
 * `password` keys in its UI and logs. The connector takes a JKS or PKCS12 trust store, not a PEM
 * CA: with CASSANDRA_SSL the JVM's own trust store is used (docs/security.md).
 */
export function sparkSecurityConf(config: StackConfig): Record<string, string> {
  const { credentials, ssl } = config.cassandra;
  return {
    ...(credentials ? { 'spark.cassandra.auth.username': credentials.username, 'spark.cassandra.auth.password': credentials.password } : {}),
    ...(ssl ? { 'spark.cassandra.connection.ssl.enabled': 'true' } : {}),
  };
}

/** The java command line of spark-submit for a job on this stack. */
export async function sparkSubmitCommand(
  config: StackConfig,
  { jar, mainClass, args = [], conf = {} }: Omit<SparkSubmitOptions, 'logFile'>,
): Promise<{ bin: string; argv: string[]; env: NodeJS.ProcessEnv }> {
  const java = await findJava(config.javaHome);
  const allConf = { ...stackSparkConf(config), ...conf };
  fs.mkdirSync(allConf['spark.local.dir']!, { recursive: true });
  return {
    bin: java.bin,
    env: { ...process.env, JAVA_HOME: java.home, HADOOP_USER_NAME: config.hdfs.user },
    argv: [
      `-Xmx${config.spark.driverMb}m`,
      `-Djava.io.tmpdir=${config.dirs.tmp}`,
      ...SPARK_JAVA17,
      '-cp',
      libClasspath(path.join(config.dirs.lib, 'spark')),
      'org.apache.spark.deploy.SparkSubmit',
      '--master',
      config.spark.master,
      '--class',
      mainClass,
      '--properties-file',
      writePrivateFile(path.join(config.dirs.conf, 'spark', 'client-security.conf'), javaProperties(sparkSecurityConf(config))),
      ...Object.entries(allConf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]),
      jar,
      ...args,
    ],
  };
}

/**
 * Starts spark-submit; every output line goes to `logFile` and to `onLine`, so a caller can
 * show the job's progress as it happens.
 */
export async function startSparkSubmit(config: StackConfig, options: SparkSubmitOptions, onLine: (line: string) => void = () => {}): Promise<SparkRun> {
  const { bin, argv, env } = await sparkSubmitCommand(config, options);
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  log.write(`\n==== ${new Date().toISOString()} spark-submit ${options.mainClass} ${(options.args ?? []).join(' ')} ====\n`);
  if (config.mode === 'containers') {
    const run = await startSparkContainer(config, {
      argv,
      env: { HADOOP_USER_NAME: config.hdfs.user },
      readOnly: [path.dirname(path.resolve(options.jar))],
      onLine: (line) => {
        log.write(`${line}\n`);
        onLine(line);
      },
    });
    return { pid: run.pid, exited: run.exited.then((result) => new Promise((resolve) => log.end(() => resolve(result)))) };
  }
  const child = spawn(bin, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      onLine(line);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => log.end(() => resolve({ code, signal })));
  });
  return { pid: child.pid ?? -1, exited };
}

/** Runs spark-submit to completion and returns its output; throws with the last lines on failure. */
export async function sparkSubmit(config: StackConfig, options: SparkSubmitOptions): Promise<string> {
  const lines: string[] = [];
  const run = await startSparkSubmit(config, options, (line) => lines.push(line));
  const { code, signal } = await run.exited;
  if (code !== 0) {
    const tail =
      lines
        .filter((l) => /Exception|Error|error:/.test(l))
        .slice(0, 5)
        .join('\n') || lines.slice(-5).join('\n');
    throw new StackError('spark-submit', `${options.mainClass} failed (${signal ?? `exit ${code}`}): ${tail}`, { logFile: options.logFile });
  }
  return lines.join('\n');
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
