import fs from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config.ts';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { StackError } from '../../lib/errors.ts';
import { startSparkContainer } from '../containers.ts';
import { canConnect, findJava } from '../process.ts';
import { libClasspath, nodeOf, requireAll, writePrivateFile, type Engine, type EngineContext } from './engine.ts';
import type { SparkRun, SparkSubmitOptions } from '../../lib/platform.ts';
import { javaProperties } from '../../schemas/client-security.ts';

/**
 * Spark 3.5 for `spark-submit`. By default no daemon: the driver and executors run inside the
 * submitting JVM (`local[2]`); with SPARK_MASTER=spark://host:port the same call submits to a
 * cluster. With SPARK_WORKERS the local stack runs that cluster: a standalone master
 * (`spark-master`) and workers (`spark-worker-1`…), each offering one executor.
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
    // the files the job writes, as replicated as the rest (HDFS_REPLICATION; Hadoop's client default is 3)
    'spark.hadoop.dfs.replication': String(config.hdfs.replication),
    ...(config.spark.master.startsWith('spark://')
      ? { 'spark.executor.memory': `${config.spark.executorMb}m`, 'spark.executor.cores': String(config.spark.executorCores) }
      : {}),
    // the local master's executors reach the driver on the loopback address it listens on
    ...(config.spark.standalone ? { 'spark.driver.host': config.spark.standalone.host } : {}),
  };
}

/**
 * A Spark home for the local workers, which build each executor's classpath from `<home>/jars`:
 * that folder is the installed Spark jars.
 */
function sparkHome(ctx: EngineContext): string {
  const home = path.join(ctx.dataDir, 'home');
  const jars = path.join(home, 'jars');
  fs.mkdirSync(home, { recursive: true });
  if (!fs.existsSync(jars)) fs.symlinkSync(ctx.libDir, jars);
  return home;
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

  async prepare(ctx) {
    sparkHome(ctx);
  },

  processes(ctx) {
    const standalone = ctx.config.spark.standalone;
    if (!standalone) return [];
    const { host, port, webUiPort, workers } = standalone;
    const common = (heapMb: number) => [`-Xmx${heapMb}m`, `-Djava.io.tmpdir=${ctx.config.dirs.tmp}`, ...SPARK_JAVA17];
    const env = { SPARK_HOME: path.join(ctx.dataDir, 'home'), SPARK_SCALA_VERSION: '2.12', HADOOP_USER_NAME: ctx.config.hdfs.user };
    return [
      {
        name: 'spark-master',
        mainClass: 'org.apache.spark.deploy.master.Master',
        classpath: [libClasspath(ctx.libDir)],
        jvmOptions: common(256),
        args: ['--host', host, '--port', String(port), '--webui-port', String(webUiPort)],
        env,
        ports: [port, webUiPort].map((p) => ({ host, port: p })),
      },
      ...Array.from({ length: workers }, (_, i) => {
        // numbered even when alone (`spark-worker-1`): there is no single-worker layout to keep
        const node = nodeOf('spark-worker', path.join(ctx.dataDir, 'work'), i, Math.max(2, workers));
        const { executorMb, executorCores } = ctx.config.spark;
        return {
          name: node.name,
          mainClass: 'org.apache.spark.deploy.worker.Worker',
          classpath: [libClasspath(ctx.libDir)],
          jvmOptions: common(256),
          // one executor's worth of cores and memory (and its JVM's overhead)
          args: [
            '--host',
            host,
            '--webui-port',
            String(webUiPort + 1 + i),
            '--cores',
            String(executorCores),
            '--memory',
            `${executorMb + 384}m`,
            '--work-dir',
            node.dir,
            `spark://${host}:${port}`,
          ],
          env,
          ports: [{ host, port: webUiPort + 1 + i }],
        };
      }),
    ];
  },

  async probe(config) {
    // spark-submit needs the Spark jars here, whether the master is local or a cluster
    const lib = path.join(config.dirs.lib, 'spark');
    const core = fs.existsSync(lib) ? fs.readdirSync(lib).find((f) => f.startsWith('spark-core_')) : undefined;
    if (!core) throw new Error(`the Spark client is not installed in ${lib} (npm start installs it)`);
    const master = /^spark:\/\/([^:/]+):(\d+)/.exec(config.spark.master);
    if (master && !(await canConnect(master[1]!, Number(master[2])))) throw new Error(`Spark master ${config.spark.master} does not answer`);
    const standalone = config.spark.standalone;
    if (standalone) {
      // the master's status page: the workers started here must all be registered
      const url = `http://${standalone.host}:${standalone.webUiPort}/json/`;
      const status = (await (await fetch(url, { signal: AbortSignal.timeout(3000) })).json()) as { aliveworkers?: number; cores?: number };
      requireAll(config, status.aliveworkers ?? 0, standalone.workers, 'Spark workers registered');
      return `${core.replace(/\.jar$/, '')}, master ${config.spark.master} with ${status.aliveworkers} workers, ${status.cores} cores`;
    }
    return `${core.replace(/\.jar$/, '')}, spark-submit --master ${config.spark.master}`;
  },
};
