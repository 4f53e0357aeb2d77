import path from 'node:path';
import cassandra from 'cassandra-driver';
import { parseHostPort, type StackConfig } from '../config.ts';
import { findJar, libClasspath, nodeOf, requireAll, writeFiles, type Engine, type EngineContext } from './engine.ts';
import { StackError } from '../../lib/errors.ts';
import { cassandraClient, isCassandraLoginRefused, loginRefused } from '../../lib/platform.ts';

/**
 * Cassandra 5.0, a node per address in CASSANDRA_CONTACT_POINTS (one: `cassandra`; several:
 * `cassandra-1`… on their own hosts, the same ports, JMX on CASSANDRA_JMX_PORT plus the node's
 * index, every node a seed so that all start at once, tokens spread evenly), on Java 17 (never newer: it calls System.setSecurityManager). With
 * CASSANDRA_AUTH=password (the default) it runs PasswordAuthenticator: on first start the probe
 * makes the product's role (CASSANDRA_USERNAME, a superuser, as the tests make keyspaces) as
 * Cassandra's default superuser, then takes that one's login away.
 */

/** apache/cassandra conf/jvm17-server.options, as cassandra-unit runs 5.0 on JDK 17. */
const CASSANDRA_JAVA17 = [
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.management/com.sun.jmx.remote.security',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].map((p) => `--add-exports=${p}=ALL-UNNAMED`),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
    'java.base/java.nio',
  ].map((p) => `--add-opens=${p}=ALL-UNNAMED`),
];

/** The local nodes: address, name, folder, token and JMX port of each. */
function nodes(ctx: EngineContext) {
  const { contactPoints, jmxPort } = ctx.config.cassandra;
  const count = contactPoints.length;
  return contactPoints.map((address, i) => {
    const node = nodeOf('cassandra', '', i, count);
    return {
      host: parseHostPort(address).host,
      name: node.name,
      confDir: path.join(ctx.confDir, node.dir),
      dataDir: path.join(ctx.dataDir, node.dir),
      jmxPort: jmxPort + i,
      // one token each, evenly over Murmur3's range (-2^63 … 2^63-1); a lone node keeps 0
      token: count === 1 ? '0' : String(-(2n ** 63n) + (BigInt(i) * 2n ** 64n) / BigInt(count)),
    };
  });
}

type Node = ReturnType<typeof nodes>[number];

function yaml(ctx: EngineContext, node: Node): string {
  const c = ctx.config.cassandra;
  const d = (sub: string) => path.join(node.dataDir, sub);
  const seeds = nodes(ctx)
    .map((n) => `${n.host}:${c.storagePort}`)
    .join(',');
  // only keys that 5.0's Config knows: the loader rejects unknown ones
  return `cluster_name: 'moviereco'
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
num_tokens: 1
initial_token: ${node.token}
listen_address: ${node.host}
rpc_address: ${node.host}
storage_port: ${c.storagePort}
native_transport_port: ${c.port}
start_native_transport: true
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${seeds}"
data_file_directories: [${d('data')}]
commitlog_directory: ${d('commitlog')}
saved_caches_directory: ${d('saved_caches')}
hints_directory: ${d('hints')}
cdc_raw_directory: ${d('cdc_raw')}
commitlog_sync: periodic
commitlog_sync_period: 10s
commitlog_segment_size: 32MiB
auto_snapshot: false
concurrent_reads: 16
concurrent_writes: 16
concurrent_compactors: 1
# memtables as tries with their cells off the heap (Cassandra 5.0's cassandra_latest.yaml): with
# heap_buffers and skip lists, 3,000 speed-layer writes a second at 32M cost 94 young GCs (3.2 s of
# pauses, up to 177 ms) in one freshness run, the bursts its slowest probes waited behind; 40 (1.2 s) after
memtable_allocation_type: offheap_objects
memtable:
  configurations:
    skiplist:
      class_name: SkipListMemtable
    trie:
      class_name: TrieMemtable
    default:
      inherits: trie
disk_access_mode: standard
authenticator: ${c.credentials ? 'PasswordAuthenticator' : 'AllowAllAuthenticator'}
authorizer: AllowAllAuthorizer
# a login checks a bcrypt hash (about 0.1 s of CPU); cached logins spare the two cores
credentials_validity: 60s
roles_validity: 60s
`;
}

const logback = `<configuration scan="false">
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{1} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

export const cassandraEngine: Engine = {
  name: 'cassandra',
  address: (config) => config.cassandra.contactPoints.join(','),

  async prepare(ctx) {
    writeFiles(ctx.confDir, { 'logback.xml': logback });
    for (const node of nodes(ctx)) writeFiles(node.confDir, { 'cassandra.yaml': yaml(ctx, node) });
  },

  processes(ctx) {
    const c = ctx.config.cassandra;
    let jamm: string;
    try {
      jamm = findJar(ctx.libDir, 'jamm-');
    } catch {
      jamm = path.join(ctx.libDir, 'jamm.jar'); // not installed yet; `up` installs before it starts
    }
    return nodes(ctx).map((node) => ({
      name: node.name,
      mainClass: 'org.apache.cassandra.service.CassandraDaemon',
      classpath: [ctx.confDir, libClasspath(ctx.libDir)],
      timerSlackUs: c.timerSlackUs,
      jvmOptions: [
        `-javaagent:${jamm}`,
        `-Xms${c.heapMb}m`,
        `-Xmx${c.heapMb}m`,
        '-Xss256k',
        '-XX:+UseG1GC',
        '-XX:+ParallelRefProcEnabled',
        '-XX:MaxTenuringThreshold=1',
        '-XX:G1RSetUpdatingPauseTimePercent=5',
        '-XX:MaxGCPauseMillis=300',
        '-XX:+HeapDumpOnOutOfMemoryError',
        '-XX:+ExitOnOutOfMemoryError', // Cassandra's own advice: a node out of memory may corrupt data if it goes on
        `-XX:HeapDumpPath=${node.dataDir}`,
        '-Djava.net.preferIPv4Stack=true',
        '-Djdk.attach.allowAttachSelf=true',
        '-Dio.netty.tryReflectionSetAccessible=true',
        `-Djava.io.tmpdir=${ctx.config.dirs.tmp}`,
        `-Dcassandra.config=file://${path.join(node.confDir, 'cassandra.yaml')}`,
        `-Dcassandra.storagedir=${node.dataDir}`,
        `-Dcassandra.logdir=${ctx.logsDir}`,
        '-Dcassandra-foreground=yes',
        `-Dcassandra.jmx.local.port=${node.jmxPort}`,
        '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        '-Dcassandra.superuser_setup_delay_ms=0', // the default role at once, not 10 s after start
        `-Dlogback.configurationFile=file://${path.join(ctx.confDir, 'logback.xml')}`,
        ...CASSANDRA_JAVA17,
      ],
      args: [],
      ports: [
        { host: node.host, port: c.port },
        { host: node.host, port: c.storagePort },
        { host: '127.0.0.1', port: node.jmxPort },
      ],
    }));
  },

  async probe(config) {
    try {
      return await releaseVersion(config);
    } catch (error) {
      if (config.mode === 'external' || !config.cassandra.credentials || !isCassandraLoginRefused(error)) throw loginRefused(error, config) ?? error;
      await makeLocalRole(config);
      return await releaseVersion(config).catch((e: unknown) => {
        throw loginRefused(e, config) ?? e;
      });
    }
  },
};

/** Throws unless every node started here is up as the client sees it (an external cluster may have more). */
function checkAllUp(client: cassandra.Client, config: StackConfig): number {
  const up = client.hosts.values().filter((h) => h.isUp()).length;
  requireAll(config, up, config.cassandra.contactPoints.length, 'nodes up');
  return up;
}

async function releaseVersion(config: StackConfig): Promise<string> {
  const client = cassandraClient(config);
  try {
    await client.connect();
    const up = checkAllUp(client, config);
    const result = await client.execute('SELECT release_version FROM system.local');
    return `Cassandra ${result.first()?.get('release_version') as string}${up > 1 ? `, ${up} nodes up` : ''}`;
  } finally {
    await client.shutdown();
  }
}

/** The product's role on a new local node, made by the default superuser, whose login then ends. */
async function makeLocalRole(config: StackConfig): Promise<void> {
  const { username, password } = config.cassandra.credentials!;
  const asDefault = cassandraClient({ cassandra: { ...config.cassandra, credentials: { username: 'cassandra', password: 'cassandra' } } });
  try {
    await asDefault.connect();
  } catch (error) {
    await asDefault.shutdown();
    if (!isCassandraLoginRefused(error)) throw error; // not up yet: the readiness wait tries again
    throw new StackError(
      'cassandra',
      `refused the login of ${username} (CASSANDRA_USERNAME / CASSANDRA_PASSWORD), and its default superuser is already disabled: the role was made with another password. Set the password it was made with, or start from empty storage (npm run stack -- reset)`,
      { cause: error },
    );
  }
  try {
    // the logins (system_auth) are replicated like the data, on every node but at most 3, before the role is made
    const nodes = config.cassandra.contactPoints.length;
    if (nodes > 1) {
      checkAllUp(asDefault, config);
      await asDefault.execute(
        `ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', '${config.cassandra.datacenter}': ${Math.min(3, nodes)}}`,
      );
    }
    const q = (s: string) => s.replace(/'/g, "''");
    await asDefault.execute(
      `CREATE ROLE IF NOT EXISTS "${username.replace(/"/g, '""')}" WITH PASSWORD = '${q(password)}' AND LOGIN = true AND SUPERUSER = true`,
    );
  } finally {
    await asDefault.shutdown();
  }
  const asProduct = cassandraClient(config);
  try {
    await asProduct.connect();
    await asProduct.execute('ALTER ROLE cassandra WITH SUPERUSER = false AND LOGIN = false', [], { consistency: cassandra.types.consistencies.one });
  } finally {
    await asProduct.shutdown();
  }
}
