import type { Endpoints } from './platform.ts';

/** The local stack's addresses, for unit tests of what the layers build from them (nothing connects). */
export const testEndpoints: Endpoints = {
  kafka: { brokers: ['127.0.0.1:9092'], security: { protocol: 'PLAINTEXT', mechanism: 'SCRAM-SHA-256', username: 'moviereco' } },
  cassandra: {
    contactPoints: ['127.0.0.1:9042'],
    datacenter: 'datacenter1',
    keyspace: 'moviereco',
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  },
  hdfs: { url: 'hdfs://127.0.0.1:9000', webUrl: 'http://127.0.0.1:9870', user: 'moviereco' },
  flink: { restUrl: 'http://127.0.0.1:8081', checkpointsDir: 'file:///tmp/checkpoints' },
  dirs: { run: '/tmp/run', logs: '/tmp/logs' },
};
