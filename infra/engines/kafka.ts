import fs from 'node:fs';
import path from 'node:path';
import { runJava } from '../process.ts';
import { libClasspath, log4j2Console, properties, writeFiles, writePrivateFile, type Engine, type EngineContext } from './engine.ts';
import { StackError } from '../../lib/errors.ts';
import { kafkaClient, loginRefused } from '../../lib/platform.ts';
import { createTopicsWithLeaders } from '../../lib/kafka-admin.ts';
import { kafkaClientProperties, propertyValue } from '../../schemas/client-security.ts';
import kafkajs, { type Admin } from 'kafkajs';

// not among the names Node finds in kafkajs (CommonJS) for an ESM import: taken from the default export
const { ConfigResourceTypes } = kafkajs;

/**
 * Kafka 4 in KRaft mode: one process that is both broker and controller. Its client listener
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

function serverProperties(ctx: EngineContext): string {
  const { host, port, controllerPort, security } = ctx.config.kafka;
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
    'node.id': 1,
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    listeners: `${listener}://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    'advertised.listeners': `${listener}://${host}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': listener,
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,${listener}:${listener}`,
    ...sasl,
    'log.dirs': path.join(ctx.dataDir, 'log'),
    'num.partitions': 1,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
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

export const kafkaEngine: Engine = {
  name: 'kafka',
  address: (config) => config.kafka.brokers.join(','),

  async prepare(ctx) {
    writeFiles(ctx.confDir, { 'log4j2.properties': log4j2Console({ 'kafka.request.logger': 'WARN', 'state.change.logger': 'WARN' }) });
    writePrivateFile(path.join(ctx.confDir, 'server.properties'), serverProperties(ctx)); // it holds the broker's password
    const logDir = path.join(ctx.dataDir, 'log');
    const markerFile = path.join(ctx.dataDir, 'security');
    if (fs.existsSync(path.join(logDir, 'meta.properties'))) {
      // SCRAM users are made when the storage is formatted: storage formatted for other ones cannot serve these clients
      const formatted = fs.existsSync(markerFile) ? fs.readFileSync(markerFile, 'utf8').trim() : 'PLAINTEXT';
      if (formatted !== securityMarker(ctx) && ctx.config.kafka.security.protocol === 'SASL_PLAINTEXT') {
        throw new StackError(
          'kafka',
          `its storage was formatted for ${formatted}, the configuration asks for ${securityMarker(ctx)}; the SCRAM user is made when the storage is formatted, so start from empty storage: npm run stack -- reset (deletes every engine's data), or set KAFKA_SECURITY_PROTOCOL=${formatted.split(' ')[0]}`,
        );
      }
      return;
    }
    // the cluster id must stay stable across restarts: made once, kept beside the data
    const idFile = path.join(ctx.dataDir, 'cluster-id');
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    if (!fs.existsSync(idFile)) {
      fs.writeFileSync(idFile, newClusterId());
    }
    await runJava(ctx.java, {
      name: 'kafka-storage-format',
      mainClass: 'kafka.tools.StorageTool',
      classpath: [libClasspath(ctx.libDir)],
      jvmOptions: jvmOptions(ctx),
      args: [
        'format',
        '-t',
        fs.readFileSync(idFile, 'utf8').trim(),
        '-c',
        path.join(ctx.confDir, 'server.properties'),
        '--ignore-formatted',
        ...scramArgs(ctx),
      ],
      logFile: path.join(ctx.logsDir, 'kafka.log'),
    });
    fs.writeFileSync(markerFile, `${securityMarker(ctx)}\n`);
  },

  processes(ctx) {
    const { host, port, controllerPort } = ctx.config.kafka;
    return [
      {
        name: 'kafka',
        mainClass: 'kafka.Kafka',
        classpath: [libClasspath(ctx.libDir)],
        jvmOptions: jvmOptions(ctx),
        args: [path.join(ctx.confDir, 'server.properties')],
        ports: [
          { host, port },
          { host, port: controllerPort },
        ],
      },
    ];
  },

  async probe(config) {
    const admin = kafkaClient(config).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no broker registered');
      const topics = await admin.listTopics();
      return `${cluster.brokers.length} broker, ${topics.filter((t) => !t.startsWith('__')).length} topics`;
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
            replicationFactor: 1,
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
