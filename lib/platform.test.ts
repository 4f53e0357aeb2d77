import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { LoginRefusedError } from './errors.ts';
import { isCassandraLoginRefused, isKafkaLoginRefused, kafkaJsSecurity, loginRefused, platformaticSecurity, type KafkaSecurity } from './platform.ts';

const endpoints = {
  kafka: { brokers: ['k1:9092'], security: { protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-256', username: 'shop', password: 'p' } as KafkaSecurity },
  cassandra: { contactPoints: ['c1:9042'], datacenter: 'dc1', keyspace: 'moviereco', replication: '', credentials: { username: 'app', password: 'q' } },
};

describe('lib > platform: client security', () => {
  it('maps each Kafka protocol to kafkajs options', () => {
    expect(kafkaJsSecurity({ protocol: 'PLAINTEXT', mechanism: 'SCRAM-SHA-256', username: 'u' })).toEqual({});
    expect(kafkaJsSecurity({ protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' })).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
    expect(kafkaJsSecurity({ protocol: 'SSL', mechanism: 'PLAIN', username: 'u' })).toEqual({ ssl: true });
    expect(kafkaJsSecurity({ protocol: 'SASL_SSL', mechanism: 'PLAIN', username: 'u', password: 'p' })).toEqual({
      ssl: true,
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
    });
  });

  it('maps each Kafka protocol to @platformatic/kafka options', () => {
    expect(platformaticSecurity({ protocol: 'PLAINTEXT', mechanism: 'SCRAM-SHA-256', username: 'u' })).toEqual({});
    expect(platformaticSecurity({ protocol: 'SASL_PLAINTEXT', mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' })).toEqual({
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
    });
    expect(platformaticSecurity({ protocol: 'SSL', mechanism: 'PLAIN', username: 'u' })).toEqual({ tls: {} });
    expect(platformaticSecurity({ protocol: 'SASL_SSL', mechanism: 'PLAIN', username: 'u' })).toEqual({
      tls: {},
      sasl: { mechanism: 'PLAIN', username: 'u', password: '' },
    });
  });

  it('tells a refused login from an engine that does not answer', () => {
    const kafkajs = Object.assign(new Error('SASL SCRAM SHA256 authentication failed'), { name: 'KafkaJSSASLAuthenticationError' });
    const platformatic = Object.assign(new Error('Cannot connect to any broker.'), {
      errors: [
        Object.assign(new Error('Connection failed'), { cause: Object.assign(new Error('SASL authentication failed.'), { code: 'PLT_KFK_AUTHENTICATION' }) }),
      ],
    });
    expect(isKafkaLoginRefused(kafkajs)).toBe(true);
    expect(isKafkaLoginRefused(platformatic)).toBe(true);
    expect(isKafkaLoginRefused(Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' }))).toBe(false);

    const refused = new cassandra.errors.NoHostAvailableError({
      'c1:9042': new cassandra.errors.AuthenticationError('Provided username app and/or password are incorrect'),
    });
    const down = new cassandra.errors.NoHostAvailableError({ 'c1:9042': new Error('connect ECONNREFUSED') });
    expect(isCassandraLoginRefused(refused)).toBe(true);
    expect(isCassandraLoginRefused(down)).toBe(false);

    const k = loginRefused(kafkajs, endpoints);
    expect(k).toBeInstanceOf(LoginRefusedError);
    expect(k?.retriable).toBe(false);
    expect(k?.message).toBe('Kafka at k1:9092 refused the login of shop (SASL_PLAINTEXT, SCRAM-SHA-256): check KAFKA_USERNAME and KAFKA_PASSWORD');
    expect(k?.cause).toBe(kafkajs);
    expect(loginRefused(refused, endpoints)?.message).toBe('Cassandra at c1:9042 refused the login of app: check CASSANDRA_USERNAME and CASSANDRA_PASSWORD');
    expect(loginRefused(refused, { ...endpoints, cassandra: { ...endpoints.cassandra, credentials: undefined } })?.message).toMatch(
      /requires a login: set CASSANDRA_AUTH=password/,
    );
    expect(loginRefused(down, endpoints)).toBeUndefined();
  });
});
