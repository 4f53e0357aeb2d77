/**
 * The client security of the JVM jobs, as a Java properties file: the TypeScript owner (it writes
 * the file), whose Java owner is `moviereco.contracts.ClientSecurity` (the jobs read it, given
 * `--client.security.file`). `kafka.*` keys are Kafka client properties, passed on as they are, so
 * an operator's own file may use any mechanism Kafka's Java client has; `cassandra.*` keys are
 * the driver's login and TLS. Both sides are checked against `contracts/client-security.json`.
 * The file holds passwords: it is written with mode 0600 and never put on a command line.
 */
import type { CassandraEndpoint, KafkaSecurity } from '../lib/platform.ts';

const LOGIN_MODULES: Record<KafkaSecurity['mechanism'], string> = {
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
};

/** A quoted JAAS option value: `\` and `"` escaped, as Kafka's JAAS parser reads them. */
function jaasQuoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A value as `java.util.Properties.load` reads it back unchanged. */
export function propertyValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/^ /, '\\ ');
}

/** The Kafka client properties of a security setting (without the `kafka.` prefix). */
export function kafkaClientProperties(security: KafkaSecurity): Record<string, string> {
  const props: Record<string, string> = { 'security.protocol': security.protocol };
  if (security.protocol.startsWith('SASL')) {
    props['sasl.mechanism'] = security.mechanism;
    props['sasl.jaas.config'] =
      `${LOGIN_MODULES[security.mechanism]} required username=${jaasQuoted(security.username)} password=${jaasQuoted(security.password ?? '')};`;
  }
  if (security.protocol.endsWith('SSL') && security.caFile) {
    props['ssl.truststore.type'] = 'PEM';
    props['ssl.truststore.location'] = security.caFile;
  }
  return props;
}

/** `key=value` lines that `java.util.Properties.load` reads back unchanged (Kafka and Spark config files too). */
export function javaProperties(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${propertyValue(v)}\n`)
    .join('');
}

/** The file's text. */
export function clientSecurityProperties(kafka: KafkaSecurity, cassandra: Pick<CassandraEndpoint, 'credentials' | 'ssl'>): string {
  const entries: [string, string][] = Object.entries(kafkaClientProperties(kafka)).map(([k, v]) => [`kafka.${k}`, v]);
  if (cassandra.credentials) {
    entries.push(['cassandra.username', cassandra.credentials.username], ['cassandra.password', cassandra.credentials.password]);
  }
  if (cassandra.ssl) {
    entries.push(['cassandra.ssl', 'true']);
    if (cassandra.ssl.caFile) entries.push(['cassandra.ssl.ca.file', cassandra.ssl.caFile]);
  }
  return `# client security of the moviereco JVM jobs (docs/security.md); holds passwords: keep it 0600\n${javaProperties(Object.fromEntries(entries))}`;
}
