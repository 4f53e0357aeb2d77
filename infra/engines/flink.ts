import fs from 'node:fs';
import got from 'got';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackConfig } from '../config.ts';
import { runJava } from '../process.ts';
import { libClasspath, log4j2Console, nodeOf, requireAll, writeFiles, type Engine, type EngineContext } from './engine.ts';
import { flinkRestHttpOptions } from '../../lib/platform.ts';

/**
 * A Flink 1.20 session cluster from Maven jars (no flink-dist): the JobManager
 * (StandaloneSessionClusterEntrypoint) and FLINK_TASKMANAGERS TaskManagers (TaskManagerRunner; one:
 * `flink-taskmanager`, several: `flink-taskmanager-1`…, the n-th from 0 on the data port plus n).
 * Their JVM memory flags come from Flink's own BashJavaUtils, as bin/jobmanager.sh does it.
 */

/** env.java.opts.all of flink-dist's config.yaml: Kryo and Pekko reflect into the JDK on 17. */
const FLINK_JAVA17 = [
  ...[
    'java.base/sun.net.util',
    'java.rmi/sun.rmi.registry',
    'jdk.compiler/com.sun.tools.javac.api',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.compiler/com.sun.tools.javac.parser',
    'jdk.compiler/com.sun.tools.javac.tree',
    'jdk.compiler/com.sun.tools.javac.util',
    'java.security.jgss/sun.security.krb5',
  ].map((p) => `--add-exports=${p}=ALL-UNNAMED`),
  ...[
    'java.lang',
    'java.net',
    'java.io',
    'java.nio',
    'sun.nio.ch',
    'java.lang.reflect',
    'java.text',
    'java.time',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'java.util.concurrent.locks',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
];

export function flinkDirs(config: StackConfig) {
  const data = path.join(config.dirs.data, 'flink');
  const checkpoints = config.flink.checkpointsDir;
  return {
    // FLINK_CHECKPOINTS_DIR (infra/config.ts); a non-local one is not made here
    ...(checkpoints.startsWith('file:') ? { checkpoints: fileURLToPath(checkpoints) } : {}),
    savepoints: path.join(data, 'savepoints'),
    upload: path.join(data, 'web-upload'),
    tmp: path.join(data, 'tmp'),
  };
}

function configYaml(ctx: EngineContext): string {
  const f = ctx.config.flink;
  const dirs = flinkDirs(ctx.config);
  const entries: Record<string, string | number | boolean> = {
    'jobmanager.rpc.address': f.host,
    'jobmanager.rpc.port': f.rpcPort,
    'jobmanager.bind-host': f.bindHost,
    'jobmanager.memory.process.size': `${f.jobManagerMb}m`,
    'taskmanager.host': f.taskManagerHost,
    'taskmanager.bind-host': f.bindHost,
    'taskmanager.rpc.port': f.taskManagerRpcPort,
    'taskmanager.data.port': f.taskManagerDataPort,
    'taskmanager.numberOfTaskSlots': f.taskSlots,
    'taskmanager.memory.process.size': `${f.taskManagerMb}m`,
    // every job submitted loads its own copy of the jar's classes (the Cassandra driver's among
    // them), and not all of it is freed when the job ends: the default 256 MiB ran out after some
    // twenty jobs had come and gone on one TaskManager (tests deploy four per system). The process
    // size (FLINK_TASKMANAGER_MB, 3,072) grew with it, so heap and network buffers keep their size
    'taskmanager.memory.jvm-metaspace.size': '512m',
    // direct memory for the jobs' own code: each job's Cassandra driver (Netty) keeps its own pool
    // of direct buffers, and with four streaming jobs the pools took what a batch job's shuffle
    // needed ("Cannot allocate direct memory segment"); the default is none
    'taskmanager.memory.task.off-heap.size': '256m',
    'blob.server.port': f.blobPort,
    'rest.address': f.host,
    'rest.bind-address': f.bindHost,
    'rest.port': f.restPort,
    'web.submit.enable': true,
    'web.cancel.enable': true,
    // the default is a random tmp dir: uploaded jars would vanish on a JobManager restart
    'web.upload.dir': dirs.upload,
    'io.tmp.dirs': dirs.tmp,
    'parallelism.default': 1,
    'state.backend.type': 'hashmap',
    // the jobs put theirs in a folder per job name below it (--checkpoint.dir, speed/jobs.ts)
    'state.checkpoints.dir': ctx.config.flink.checkpointsDir,
    'state.savepoints.dir': `file://${dirs.savepoints}`,
    'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
    'state.checkpoints.num-retained': 3,
    // restarts back off from 1 s to at most 1 min (Flink's defaults); the backoff starts over once a
    // job has run 10 min without failing (Flink's default is 1 h: after a few incidents in an hour,
    // every restart waited the full minute, e.g. a Cassandra restart cost the speed layer 60 s more)
    'restart-strategy.type': 'exponential-delay',
    'restart-strategy.exponential-delay.reset-backoff-threshold': '10 min',
    // a killed TaskManager is found dead by its failed heartbeat RPCs (2 in a row, 10 s apart:
    // Flink's defaults); the timeout is for one that is alive but slow to answer. At 20 s the
    // cluster's jobs lost their other TaskManager at a load average of 20-37 (docs/cluster.md):
    // Flink's default of 50 s again
    'heartbeat.timeout': 50_000,
    'heartbeat.rpc-failure-threshold': 2,
    // in-flight data between tasks sized to about a second of throughput, not a fixed number of
    // 32 KiB buffers: a busy operator then has seconds less queued in front of it (freshness)
    'taskmanager.network.memory.buffer-debloat.enabled': true,
    // REST metrics at most a second old (default 10 s): the status command and the benchmarks read them
    'metrics.fetcher.update-interval': 1000,
    // one DataNode: a write pipeline that hits an error (the archive's FileSink appending after a
    // recovery) must carry on with that node instead of failing for want of a replacement
    'flink.hadoop.dfs.client.block.write.replace-datanode-on-failure.enable': false,
    // the jobs' HDFS files (the archive) as replicated as the rest (HDFS_REPLICATION; Hadoop's client default is 3)
    'flink.hadoop.dfs.replication': ctx.config.hdfs.replication,
    // a job at parallelism 2 on two TaskManagers runs a subtask on each, not both on the first
    'cluster.evenly-spread-out-slots': true,
  };
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`)
    .join('\n')}\n`;
}

interface ResourceParams {
  jvm: string[];
  dynamic: string[];
}

const PARAMS_FILE = 'resource-params.json';

/** Runs BashJavaUtils for the JobManager or TaskManager: line 1 JVM flags, line 2 `-D` configs. */
async function resourceParams(ctx: EngineContext, command: 'GET_JM_RESOURCE_PARAMS' | 'GET_TM_RESOURCE_PARAMS'): Promise<ResourceParams> {
  const output = await runJava(ctx.java, {
    name: `flink-${command.toLowerCase()}`,
    mainClass: 'org.apache.flink.runtime.util.bash.BashJavaUtils',
    classpath: [libClasspath(ctx.libDir)],
    jvmOptions: [`-Dlog4j2.configurationFile=file:${path.join(ctx.confDir, 'log4j2.properties')}`, '-Dlog4j2.level=WARN'],
    args: [command, '--configDir', ctx.confDir],
    logFile: path.join(ctx.logsDir, 'flink-jobmanager.log'),
  });
  const lines = output
    .split('\n')
    .filter((l) => l.startsWith('BASH_JAVA_UTILS_EXEC_RESULT:'))
    .map((l) => l.slice('BASH_JAVA_UTILS_EXEC_RESULT:'.length).trim());
  const split = (s: string | undefined) => (s ? s.split(/\s+/).filter(Boolean) : []);
  return { jvm: split(lines[0]), dynamic: split(lines[1]) };
}

function readParams(ctx: EngineContext): { jobmanager: ResourceParams; taskmanager: ResourceParams } {
  try {
    return JSON.parse(fs.readFileSync(path.join(ctx.confDir, PARAMS_FILE), 'utf8'));
  } catch {
    const none = { jvm: [], dynamic: [] };
    return { jobmanager: none, taskmanager: none };
  }
}

export const flinkEngine: Engine = {
  name: 'flink',
  address: (config) => config.flink.restUrl,

  async prepare(ctx) {
    for (const dir of Object.values(flinkDirs(ctx.config))) fs.mkdirSync(dir, { recursive: true });
    writeFiles(ctx.confDir, {
      'config.yaml': configYaml(ctx),
      'log4j2.properties': log4j2Console({ 'org.apache.pekko': 'WARN', 'org.apache.kafka': 'WARN', 'org.apache.flink.runtime.checkpoint': 'WARN' }),
    });
    const params = {
      jobmanager: await resourceParams(ctx, 'GET_JM_RESOURCE_PARAMS'),
      taskmanager: await resourceParams(ctx, 'GET_TM_RESOURCE_PARAMS'),
    };
    fs.writeFileSync(path.join(ctx.confDir, PARAMS_FILE), JSON.stringify(params, null, 2));
  },

  processes(ctx) {
    const f = ctx.config.flink;
    const params = readParams(ctx);
    const common = (name: string) => [
      ...FLINK_JAVA17,
      `-Djava.io.tmpdir=${flinkDirs(ctx.config).tmp}`,
      `-Dlog.file=${path.join(ctx.logsDir, `${name}.log`)}`,
      `-Dlog4j.configurationFile=file:${path.join(ctx.confDir, 'log4j2.properties')}`,
    ];
    return [
      {
        name: 'flink-jobmanager',
        mainClass: 'org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint',
        classpath: [libClasspath(ctx.libDir)],
        jvmOptions: [...params.jobmanager.jvm, ...common('flink-jobmanager')],
        args: ['--configDir', ctx.confDir, '--host', f.host, ...params.jobmanager.dynamic],
        // the jobs' HDFS client (archive, checkpoints on hdfs://) acts as HDFS_USER
        env: { HADOOP_USER_NAME: ctx.config.hdfs.user },
        ports: [f.restPort, f.rpcPort, f.blobPort].map((port) => ({ host: f.host, port })),
      },
      ...Array.from({ length: f.taskManagers }, (_, i) => {
        const { name } = nodeOf('flink-taskmanager', '', i, f.taskManagers);
        const dataPort = f.taskManagerDataPort + i;
        return {
          name,
          mainClass: 'org.apache.flink.runtime.taskexecutor.TaskManagerRunner',
          classpath: [libClasspath(ctx.libDir)],
          jvmOptions: [...params.taskmanager.jvm, ...common(name)],
          args: ['--configDir', ctx.confDir, ...params.taskmanager.dynamic, '-D', `taskmanager.data.port=${dataPort}`],
          env: { HADOOP_USER_NAME: ctx.config.hdfs.user },
          ports: [f.taskManagerRpcPort, dataPort].filter((port) => port > 0).map((port) => ({ host: f.taskManagerHost, port })),
        };
      }),
    ];
  },

  async probe(config) {
    const get = async <T>(route: string): Promise<T> =>
      got(`${config.flink.restUrl}${route}`, { timeout: { request: 3000 }, retry: { limit: 0 }, ...flinkRestHttpOptions(config.flink) }).json<T>();
    const overview = await get<{ taskmanagers: number; 'slots-total': number; 'jobs-running': number; 'flink-version': string }>('/overview');
    if (overview.taskmanagers < 1) throw new Error('no TaskManager registered');
    requireAll(config, overview.taskmanagers, config.flink.taskManagers, 'TaskManagers registered');
    if (overview['slots-total'] < 1) throw new Error('the TaskManager has not offered its slots yet');
    const dashboard = await get<{ features?: { 'web-submit'?: boolean } }>('/config');
    if (!dashboard.features?.['web-submit']) throw new Error('jar upload is not available (web.submit.enable or flink-runtime-web missing)');
    return `Flink ${overview['flink-version']}, ${overview.taskmanagers} TaskManager, ${overview['slots-total']} slots, ${overview['jobs-running']} jobs running`;
  },
};
