import fs from 'node:fs';
import path from 'node:path';
import { runJava } from '../process.ts';
import { libClasspath, log4j2Console, nodeOf, properties, requireAll, writeFiles, writePrivateFile, type Engine, type EngineContext } from './engine.ts';
import { parseHostPort } from '../config.ts';
import { StackError } from '../../lib/errors.ts';
import { kafkaClient, loginRefused } from '../../lib/platform.ts';
import { createTopicsWithLeaders } from '../../lib/kafka-admin.ts';
import { kafkaClientProperties, propertyValue } from '../../schemas/client-security.ts';
import kafkajs, { type Admin } from 'kafkajs';

// not among the names Node finds in kafkajs (CommonJS) for an ESM import: taken from the default export
const { ConfigResourceTypes } = kafkajs;

/**
 * Kafka 4 in KRaft mode: a process per address in KAFKA_BROKERS, each both broker and controller
 * (one: `kafka`; several: `kafka-1`… forming one quorum, on their own hosts and the same ports). Its client listener
 * speaks KAFKA_SECURITY_PROTOCOL: SASL_PLAINTEXT with SCRAM by default, whose one user (the
 * clients' and the broker's own) is made when the storage is formatted; the controller listener
 * stays PLAINTEXT on the loopback address (KRaft keeps SCRAM users in its metadata, so a
 * controller cannot check them).
 */

/**
 * A random cluster id in Kafka's form (16 bytes, base64url). Like Kafka's own Uuid.randomUuid, it
 * never starts with '-': the storage tool would read such an id as an option and fail (1 run in 64).
 */
export function newClusterId(random: () => Uint8Array = () => crypto.getRandomValues(new Uint8Array(16))): string {
  for (;;) {
    const id = Buffer.from(random()).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** What the storage was formatted for: the listener's protocol and, with SASL, the SCRAM user. */
function securityMarker(ctx: EngineContext): string {
  const { protocol, mechanism, username } = ctx.config.kafka.security;
  return protocol === 'SASL_PLAINTEXT' ? `${protocol} ${mechanism} ${username}` : protocol;
}

/** The local brokers: node id, address, name and folders of each. */
function brokers(ctx: EngineContext) {
  const { brokers: addresses } = ctx.config.kafka;
  return addresses.map((address, i) => {
    const node = nodeOf('kafka', '', i, addresses.length);
    return {
      id: i + 1,
      ...parseHostPort(address),
      name: node.name,
      confDir: path.join(ctx.confDir, node.dir),
      dataDir: path.join(ctx.dataDir, node.dir),
    };
  });
}

type Broker = ReturnType<typeof brokers>[number];

function serverProperties(ctx: EngineContext, broker: Broker): string {
  const { controllerPort, security, replicationFactor, minInsyncReplicas } = ctx.config.kafka;
  const { host, port } = broker;
  const all = brokers(ctx);
  // the internal topics: replicated like the product's, as far as there are brokers
  const internal = Math.min(3, all.length);
  const listener = security.protocol; // the local stack allows PLAINTEXT and SASL_PLAINTEXT (config.ts)
  const sasl: Record<string, string> =
    listener === 'SASL_PLAINTEXT'
      ? {
          'sasl.enabled.mechanisms': security.mechanism,
          'sasl.mechanism.inter.broker.protocol': security.mechanism,
          // the broker logs in to itself as the same user
          [`listener.name.sasl_plaintext.${security.mechanism.toLowerCase()}.sasl.jaas.config`]: propertyValue(
            kafkaClientProperties(security)['sasl.jaas.config']!,
          ),
        }
      : {};
  return properties({
    'process.roles': 'broker,controller',
    'node.id': broker.id,
    'controller.quorum.voters': all.map((b) => `${b.id}@${b.host}:${controllerPort}`).join(','),
    listeners: `${listener}://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    'advertised.listeners': `${listener}://${host}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': listener,
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,${listener}:${listener}`,
    ...sasl,
    'log.dirs': path.join(broker.dataDir, 'log'),
    'num.partitions': 1,
    // topics made without these (by tests and tools) are replicated like the product's
    'default.replication.factor': replicationFactor,
    'min.insync.replicas': minInsyncReplicas,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'offsets.topic.replication.factor': internal,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': internal,
    'transaction.state.log.min.isr': Math.min(2, internal),
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': internal,
    'share.coordinator.state.topic.min.isr': Math.min(2, internal),
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': false,
  });
}

/** The storage tool's flags that make the SCRAM user (config.ts keeps the local name and password free of `,`, `]` and quotes). */
function scramArgs(ctx: EngineContext): string[] {
  const { protocol, mechanism, username, password } = ctx.config.kafka.security;
  return protocol === 'SASL_PLAINTEXT' ? ['--add-scram', `${mechanism}=[name=${username},password=${password}]`] : [];
}

function jvmOptions(ctx: EngineContext): string[] {
  return [
    `-Xms${Math.min(256, ctx.config.kafka.heapMb)}m`,
    `-Xmx${ctx.config.kafka.heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-Djava.awt.headless=true',
    `-Djava.io.tmpdir=${ctx.config.dirs.tmp}`,
    `-Dlog4j2.configurationFile=file:${path.join(ctx.confDir, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${ctx.logsDir}`,
  ];
}

/** Sets each topic's declared settings where the broker has other values for them. */
async function ensureTopicConfigs(admin: Admin, topics: readonly { topic: string; config: Readonly<Record<string, string>> }[]): Promise<void> {
  const wanted = topics.filter((t) => Object.keys(t.config).length > 0);
  if (wanted.length === 0) return;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: wanted.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.topic, configNames: Object.keys(t.config) })),
  });
  const stale = wanted.filter((t) => {
    const entries = described.resources.find((r) => r.resourceName === t.topic)?.configEntries ?? [];
    return Object.entries(t.config).some(([name, value]) => entries.find((c) => c.configName === name)?.configValue !== value);
  });
  if (stale.length === 0) return;
  await admin.alterConfigs({
    validateOnly: false,
    resources: stale.map((t) => ({
      type: ConfigResourceTypes.TOPIC,
      name: t.topic,
      configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
    })),
  });
}

/** One broker's config, and its storage formatted on first start (with the SCRAM user). */
async function prepareBroker(ctx: EngineContext, broker: Broker, clusterId: string): Promise<void> {
  writePrivateFile(path.join(broker.confDir, 'server.properties'), serverProperties(ctx, broker)); // it holds the broker's password
  const logDir = path.join(broker.dataDir, 'log');
  const markerFile = path.join(broker.dataDir, 'security');
  if (fs.existsSync(path.join(logDir, 'meta.properties'))) {
    // SCRAM users are made when the storage is formatted: storage formatted for other ones cannot serve these clients
    const formatted = fs.existsSync(markerFile) ? fs.readFileSync(markerFile, 'utf8').trim() : 'PLAINTEXT';
    if (formatted !== securityMarker(ctx) && ctx.config.kafka.security.protocol === 'SASL_PLAINTEXT') {
      throw new StackError(
        broker.name,
        `its storage was formatted for ${formatted}, the configuration asks for ${securityMarker(ctx)}; the SCRAM user is made when the storage is formatted, so start from empty storage: npm run stack -- reset (deletes every engine's data), or set KAFKA_SECURITY_PROTOCOL=${formatted.split(' ')[0]}`,
      );
    }
    return;
  }
  fs.mkdirSync(broker.dataDir, { recursive: true });
  await runJava(ctx.java, {
    name: `${broker.name}-storage-format`,
    mainClass: 'kafka.tools.StorageTool',
    classpath: [libClasspath(ctx.libDir)],
    jvmOptions: jvmOptions(ctx),
    args: ['format', '-t', clusterId, '-c', path.join(broker.confDir, 'server.properties'), '--ignore-formatted', ...scramArgs(ctx)],
    logFile: path.join(ctx.logsDir, `${broker.name}.log`),
  });
  fs.writeFileSync(markerFile, `${securityMarker(ctx)}\n`);
}

export const kafkaEngine: Engine = {
  name: 'kafka',
  address: (config) => config.kafka.brokers.join(','),

  async prepare(ctx) {
    writeFiles(ctx.confDir, { 'log4j2.properties': log4j2Console({ 'kafka.request.logger': 'WARN', 'state.change.logger': 'WARN' }) });
    // the cluster id must stay stable across restarts, and be the same on every broker: made once, kept beside the data
    const idFile = path.join(ctx.dataDir, 'cluster-id');
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    if (!fs.existsSync(idFile)) fs.writeFileSync(idFile, newClusterId());
    for (const broker of brokers(ctx)) await prepareBroker(ctx, broker, fs.readFileSync(idFile, 'utf8').trim());
  },

  processes(ctx) {
    const { controllerPort } = ctx.config.kafka;
    return brokers(ctx).map((b) => ({
      name: b.name,
      mainClass: 'kafka.Kafka',
      classpath: [libClasspath(ctx.libDir)],
      jvmOptions: jvmOptions(ctx),
      args: [path.join(b.confDir, 'server.properties')],
      ports: [
        { host: b.host, port: b.port },
        { host: b.host, port: controllerPort },
      ],
    }));
  },

  async probe(config) {
    const admin = kafkaClient(config).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no broker registered');
      requireAll(config, cluster.brokers.length, config.kafka.brokers.length, 'brokers registered');
      const topics = await admin.listTopics();
      return `${cluster.brokers.length} broker${cluster.brokers.length === 1 ? '' : 's'}, ${topics.filter((t) => !t.startsWith('__')).length} topics`;
    } catch (error) {
      throw loginRefused(error, config) ?? error;
    } finally {
      await admin.disconnect();
    }
  },

  async provision(config) {
    const admin = kafkaClient(config).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = config.kafka.topics.filter((t) => !existing.has(t.topic));
      if (missing.length > 0) {
        await createTopicsWithLeaders(
          admin,
          missing.map((t) => ({
            topic: t.topic,
            numPartitions: t.numPartitions,
            replicationFactor: config.kafka.replicationFactor,
            configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
          })),
        );
      }
      // topics made before a setting was declared get it now (model-updates was once not compacted)
      await ensureTopicConfigs(
        admin,
        config.kafka.topics.filter((t) => existing.has(t.topic)),
      );
    } finally {
      await admin.disconnect();
    }
  },
};
