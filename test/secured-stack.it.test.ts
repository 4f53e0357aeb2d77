/**
 * The stack runs secured (docs/security.md): Kafka's client listener speaks SASL/SCRAM, Cassandra
 * runs PasswordAuthenticator, and every client logs in with the configured credentials. The rest
 * of the suite (the end-to-end loop, the batch on Spark, the Flink jobs, the drills) runs on this
 * same stack, so it proves the clients' side; here: the engines refuse anyone else, a wrong
 * password fails with an error that names the setting, and no password leaks where others read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoginRefusedError } from '../lib/errors.ts';
import { cassandraClient, checkLogins, kafkaClient, loginRefused, type Endpoints } from '../lib/platform.ts';
import { SHARED_DATASETS } from '../ingest/datasets/dataset.ts';
import { SINK_CLIENTS, createRatingSink } from '../ingest/rating-sink.ts';
import { clientSecurityProperties } from '../schemas/client-security.ts';
import { jobDeclarations, loadJobsConfig } from '../speed/jobs.ts';
import { config, runTool } from './helpers.ts';

const secured = config.kafka.security.protocol === 'SASL_PLAINTEXT' && config.cassandra.credentials !== undefined;
const kafkaPassword = config.kafka.security.password ?? '';
const cassandraPassword = config.cassandra.credentials?.password ?? '';

function withKafka(change: Partial<Endpoints['kafka']['security']>): Pick<Endpoints, 'kafka' | 'cassandra'> {
  return { kafka: { ...config.kafka, security: { ...config.kafka.security, ...change } }, cassandra: config.cassandra };
}

function withCassandra(credentials: Endpoints['cassandra']['credentials']): Pick<Endpoints, 'kafka' | 'cassandra'> {
  return { kafka: config.kafka, cassandra: { ...config.cassandra, credentials } };
}

async function cassandraLogin(endpoints: Pick<Endpoints, 'cassandra'>): Promise<unknown> {
  const client = cassandraClient(endpoints);
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await client.shutdown();
  }
}

async function kafkaLogin(endpoints: Pick<Endpoints, 'kafka'>): Promise<unknown> {
  const admin = kafkaClient(endpoints, 'it-secured').admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await admin.disconnect();
  }
}

describe.skipIf(config.mode !== 'local')('stack > secured engines (local stack)', () => {
  it('runs secured by default: SASL/SCRAM on Kafka, PasswordAuthenticator on Cassandra, passwords kept 0600', () => {
    expect(secured).toBe(true);
    expect(config.kafka.security.mechanism).toMatch(/^SCRAM-SHA-/);
    expect(fs.statSync(`${config.stackDir}/secrets.json`).mode & 0o777).toBe(0o600);
    const serverProperties = `${config.dirs.conf}/kafka/server.properties`;
    expect(fs.readFileSync(serverProperties, 'utf8')).toMatch(/^listeners=SASL_PLAINTEXT:\/\//m);
    expect(fs.statSync(serverProperties).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(`${config.dirs.conf}/cassandra/cassandra.yaml`, 'utf8')).toMatch(/^authenticator: PasswordAuthenticator$/m);
  });

  it('Kafka: the configured login works; no login, or a wrong password, is refused', async () => {
    expect(await kafkaLogin(config)).toBeUndefined();
    // a plaintext client on the SASL listener: the broker closes the connection
    expect(await kafkaLogin(withKafka({ protocol: 'PLAINTEXT' }))).toBeInstanceOf(Error);
    const wrong = withKafka({ password: `${kafkaPassword}-wrong` });
    const error = await kafkaLogin(wrong);
    expect(loginRefused(error, wrong)?.message).toBe(
      `Kafka at ${config.kafka.brokers.join(',')} refused the login of moviereco (SASL_PLAINTEXT, ${config.kafka.security.mechanism}): check KAFKA_USERNAME and KAFKA_PASSWORD`,
    );
  });

  it('Kafka: every Node producer (direct, platformatic, kafkajs) is refused a wrong password with that error, within its retry budget', async () => {
    const wrong = withKafka({ password: 'not-the-password' });
    for (const client of SINK_CLIENTS) {
      const sink = createRatingSink(client, { kafka: wrong.kafka, topic: 'ratings', maxRetryTimeMs: 3000 });
      const started = Date.now();
      const error = await sink.send([{ key: Buffer.from('1'), value: Buffer.from('x') }]).catch((e: unknown) => e);
      await sink.close().catch(() => undefined);
      expect(loginRefused(error, wrong), `${client}: ${String(error)}`).toBeInstanceOf(LoginRefusedError);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });

  it("Cassandra: the configured login works; no login, a wrong password, or the default superuser's, is refused", async () => {
    expect(await cassandraLogin(config)).toBeUndefined();
    const none = withCassandra(undefined);
    expect(loginRefused(await cassandraLogin(none), none)?.message).toMatch(/requires a login: set CASSANDRA_AUTH=password/);
    const wrong = withCassandra({ username: 'moviereco', password: `${cassandraPassword}-wrong` });
    expect(loginRefused(await cassandraLogin(wrong), wrong)?.message).toBe(
      `Cassandra at ${config.cassandra.contactPoints.join(',')} refused the login of moviereco: check CASSANDRA_USERNAME and CASSANDRA_PASSWORD`,
    );
    // the default superuser lost its login when the product's role was made (a cached login may live on for roles_validity, 60 s)
    const client = cassandraClient(config);
    try {
      const roles = await client.execute('SELECT role, can_login, is_superuser FROM system_auth.roles');
      const byName = Object.fromEntries(
        roles.rows.map((r) => [r.get('role') as string, { login: r.get('can_login') as boolean, superuser: r.get('is_superuser') as boolean }]),
      );
      expect(byName.cassandra).toEqual({ login: false, superuser: false });
      expect(byName.moviereco).toEqual({ login: true, superuser: true });
    } finally {
      await client.shutdown();
    }
  });

  it('checkLogins stops a service at its start on a wrong password, and passes the right ones', async () => {
    await expect(checkLogins(config)).resolves.toBeUndefined();
    await expect(checkLogins(withKafka({ password: 'nope' }))).rejects.toThrow(/Kafka at .* refused the login of moviereco/);
    await expect(checkLogins(withCassandra({ username: 'moviereco', password: 'nope' }))).rejects.toThrow(/Cassandra at .* refused the login of moviereco/);
  });

  it('the CLIs fail at once with the setting to check: the replay (wrong KAFKA_PASSWORD), the API (wrong CASSANDRA_PASSWORD)', async () => {
    const replay = await runTool(
      'replay-ratings',
      [path.join(SHARED_DATASETS, 'ml-latest-small', 'ratings.csv'), '--limit', '10'],
      { KAFKA_PASSWORD: 'nope' },
      60_000,
    ).catch((e: unknown) => e as Error);
    expect(replay).toBeInstanceOf(Error);
    expect((replay as Error).message).toContain('refused the login of moviereco (SASL_PLAINTEXT');
    expect((replay as Error).message).toContain('check KAFKA_USERNAME and KAFKA_PASSWORD');
    const api = await runTool('api', [], { CASSANDRA_PASSWORD: 'nope', API_PORT: '3197' }, 60_000).catch((e: unknown) => e as Error);
    expect(api).toBeInstanceOf(Error);
    expect((api as Error).message).toContain('check CASSANDRA_USERNAME and CASSANDRA_PASSWORD');
  });

  it('the JVM jobs get a path to the client security file (0600), never the passwords, in their arguments', () => {
    const file = config.flink.clientSecurityFile!;
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe(clientSecurityProperties(config.kafka.security, config.cassandra));
    for (const job of jobDeclarations(config, loadJobsConfig({}))) {
      expect(job.args['client.security.file'], job.name).toBe(file);
      const args = JSON.stringify(job.args);
      expect(args).not.toContain(kafkaPassword);
      expect(args).not.toContain(cassandraPassword);
    }
  });
});
