import path from 'node:path';
import fs from 'node:fs';
import type { StackConfig } from '../config.ts';
import { runJava } from '../process.ts';
import { hadoopXml, libClasspath, nodeOf, requireAll, writeFiles, type Engine, type EngineContext } from './engine.ts';

/**
 * HDFS: one NameNode and HDFS_DATANODES DataNodes (one: `hdfs-datanode`; several:
 * `hdfs-datanode-1`…, the n-th from 0 on the configured ports plus 10·n), HDFS_REPLICATION,
 * permissions off, WebHDFS on.
 */

/** The local DataNodes: name, storage and ports of each. */
function dataNodes(ctx: EngineContext) {
  const h = ctx.config.hdfs;
  return Array.from({ length: h.dataNodes }, (_, i) => {
    const node = nodeOf('hdfs-datanode', path.join(ctx.dataDir, 'data'), i, h.dataNodes);
    return {
      name: node.name,
      dataDir: node.dir,
      ports: { data: h.dataNodePort + 10 * i, http: h.dataNodeHttpPort + 10 * i, ipc: h.dataNodeIpcPort + 10 * i },
    };
  });
}

/** HADOOP-19310: the JPMS opens Hadoop 3.4 adds on Java 17. */
const HADOOP_JAVA17 = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...[
    'java.io',
    'java.lang',
    'java.lang.reflect',
    'java.math',
    'java.net',
    'java.text',
    'java.util',
    'java.util.concurrent',
    'java.util.zip',
    'sun.security.util',
    'sun.security.x509',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
];

function jvmOptions(ctx: EngineContext, heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    '-Djava.net.preferIPv4Stack=true',
    `-Djava.io.tmpdir=${ctx.config.dirs.tmp}`,
    `-Dhadoop.log.dir=${ctx.logsDir}`,
    `-Dhadoop.home.dir=${ctx.libDir}`,
    '-Dhadoop.root.logger=INFO,console',
    `-Dlog4j.configuration=file:${path.join(ctx.confDir, 'log4j.properties')}`,
    ...HADOOP_JAVA17,
  ];
}

function classpath(ctx: EngineContext): string[] {
  return [ctx.confDir, libClasspath(ctx.libDir)];
}

export const hdfsEngine: Engine = {
  name: 'hdfs',
  address: (config) => `${config.hdfs.url} (WebHDFS ${config.hdfs.webUrl})`,

  async prepare(ctx) {
    const h = ctx.config.hdfs;
    writeFiles(ctx.confDir, {
      'core-site.xml': hadoopXml({
        'fs.defaultFS': h.url,
        'hadoop.tmp.dir': path.join(ctx.dataDir, 'tmp'),
        'hadoop.http.staticuser.user': h.user,
      }),
      'hdfs-site.xml': hadoopXml({
        'dfs.replication': h.replication,
        'dfs.namenode.name.dir': `file://${path.join(ctx.dataDir, 'name')}`,
        'dfs.namenode.rpc-address': `${h.host}:${h.port}`,
        'dfs.namenode.http-address': `${h.host}:${h.httpPort}`,
        // each DataNode's storage and ports are its own (its -D flags)
        'dfs.datanode.hostname': h.dataNodeHost,
        'dfs.permissions.enabled': false,
        'dfs.webhdfs.enabled': true,
        'dfs.namenode.safemode.extension': 0,
        'dfs.namenode.safemode.min.datanodes': 1,
        'dfs.datanode.du.reserved': 0,
        'dfs.namenode.resource.du.reserved': 104_857_600,
        'dfs.heartbeat.interval': 1,
        // a DataNode that stopped answering is dead after 2 × this + 10 heartbeats (30 s, not Hadoop's 10.5 min): no new block is placed on it
        'dfs.namenode.heartbeat.recheck-interval': 10_000,
      }),
      'log4j.properties': [
        'log4j.rootLogger=INFO,console',
        'log4j.appender.console=org.apache.log4j.ConsoleAppender',
        'log4j.appender.console.target=System.out',
        'log4j.appender.console.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %-5p %c{2} - %m%n',
        'log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR',
        'log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN',
        '',
      ].join('\n'),
    });
    // HttpServer2 looks up webapps/<name> on the classpath; the Maven jars ship no web UI files,
    // and WebHDFS and /jmx are servlets that need only the folders to exist
    for (const app of ['hdfs', 'datanode', 'secondary', 'static']) {
      writeFiles(path.join(ctx.confDir, 'webapps', app), { 'index.html': `<p>HDFS ${app}: see /jmx and /webhdfs/v1/</p>\n` });
    }
    if (fs.existsSync(path.join(ctx.dataDir, 'name', 'current', 'VERSION'))) return;
    await runJava(ctx.java, {
      name: 'hdfs-namenode-format',
      mainClass: 'org.apache.hadoop.hdfs.server.namenode.NameNode',
      classpath: classpath(ctx),
      jvmOptions: jvmOptions(ctx, 256),
      args: ['-format', '-nonInteractive', '-clusterid', 'moviereco'],
      logFile: path.join(ctx.logsDir, 'hdfs-namenode.log'),
    });
  },

  processes(ctx) {
    const h = ctx.config.hdfs;
    return [
      {
        name: 'hdfs-namenode',
        mainClass: 'org.apache.hadoop.hdfs.server.namenode.NameNode',
        classpath: classpath(ctx),
        jvmOptions: jvmOptions(ctx, h.nameNodeHeapMb),
        args: [],
        ports: [
          { host: h.host, port: h.port },
          { host: h.host, port: h.httpPort },
        ],
        env: { HADOOP_USER_NAME: h.user },
      },
      ...dataNodes(ctx).map((node) => ({
        name: node.name,
        mainClass: 'org.apache.hadoop.hdfs.server.datanode.DataNode',
        classpath: classpath(ctx),
        jvmOptions: jvmOptions(ctx, h.dataNodeHeapMb),
        // generic options (-D key=value), which the DataNode reads over hdfs-site.xml
        args: Object.entries({
          'dfs.datanode.data.dir': `file://${node.dataDir}`,
          'dfs.datanode.address': `${h.dataNodeHost}:${node.ports.data}`,
          'dfs.datanode.http.address': `${h.dataNodeHost}:${node.ports.http}`,
          'dfs.datanode.ipc.address': `${h.dataNodeHost}:${node.ports.ipc}`,
        }).flatMap(([key, value]) => ['-D', `${key}=${value}`]),
        ports: Object.values(node.ports).map((port) => ({ host: h.dataNodeHost, port })),
        env: { HADOOP_USER_NAME: h.user },
      })),
    ];
  },

  async probe(config: StackConfig) {
    const url = `${config.hdfs.webUrl}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState`;
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`NameNode JMX answered ${response.status}`);
    const bean = ((await response.json()) as { beans: { FSState?: string; NumLiveDataNodes?: number }[] }).beans[0];
    if (!bean) throw new Error('NameNode JMX has no FSNamesystemState yet');
    if (bean.FSState !== 'Operational') throw new Error(`NameNode is in ${bean.FSState ?? 'unknown'} state (safe mode)`);
    if (!bean.NumLiveDataNodes) throw new Error('no live DataNode');
    requireAll(config, bean.NumLiveDataNodes, config.hdfs.dataNodes, 'DataNodes live');
    // safe mode is also reported here; a NameNode leaves it once the DataNode reported its blocks
    const safemode = await fetch(`${config.hdfs.webUrl}/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo`, { signal: AbortSignal.timeout(3000) });
    const info = ((await safemode.json()) as { beans: { Safemode?: string }[] }).beans[0];
    if (info?.Safemode) throw new Error(`NameNode in safe mode: ${info.Safemode}`);
    return `${bean.NumLiveDataNodes} live DataNode${bean.NumLiveDataNodes === 1 ? '' : 's'}, out of safe mode`;
  },
};
