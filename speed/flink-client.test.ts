import { describe, expect, it } from 'vitest';
import { FlinkRestError } from '../lib/errors.ts';
import { createFlinkClient, exceptionSummary } from './flink-client.ts';

describe('exceptionSummary', () => {
  it('keeps the first line and the deepest causes, not the frames', () => {
    const trace = [
      'java.io.IOException: Could not perform checkpoint 1381 for operator fold-in (1/1)#3.',
      '\tat org.apache.flink.streaming.runtime.tasks.StreamTask.triggerCheckpointOnBarrier(StreamTask.java:1394)',
      '\tSuppressed: java.io.IOException: Cassandra write failed: No node was available to execute the query',
      '\t\tat moviereco.flink.cassandra.CassandraSink$Writer.rethrow(CassandraSink.java:190)',
      'Caused by: java.io.IOException: Cassandra write failed: No node was available to execute the query',
      '\t... 23 more',
      'Caused by: com.datastax.oss.driver.api.core.NoNodeAvailableException: No node was available to execute the query',
      '\t... 7 more',
    ].join('\n');
    expect(exceptionSummary(trace).split('\n')).toEqual([
      'java.io.IOException: Could not perform checkpoint 1381 for operator fold-in (1/1)#3.',
      'Suppressed: java.io.IOException: Cassandra write failed: No node was available to execute the query',
      'Caused by: java.io.IOException: Cassandra write failed: No node was available to execute the query',
      'Caused by: com.datastax.oss.driver.api.core.NoNodeAvailableException: No node was available to execute the query',
    ]);
  });

  it('returns a one-line trace as it is', () => {
    expect(exceptionSummary('java.lang.IllegalStateException: boom')).toBe('java.lang.IllegalStateException: boom');
  });
});

describe('createFlinkClient behind an authenticating proxy', () => {
  it('sends the configured basic auth on every call, and none without it', async () => {
    const http = await import('node:http');
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      const ok = req.headers.authorization === `Basic ${Buffer.from('ops:s3cret').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { taskmanagers: 1, 'flink-version': '1.20.3' } : { errors: ['login required'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const withLogin = createFlinkClient({ rest: { restUrl: baseUrl, restAuth: { username: 'ops', password: 's3cret' } } });
      expect((await withLogin.overview())['flink-version']).toBe('1.20.3');
      const without = createFlinkClient({ rest: { restUrl: baseUrl } });
      const error = await without.overview().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlinkRestError);
      expect((error as FlinkRestError).status).toBe(401);
      expect((error as FlinkRestError).message).toContain('login required');
      expect(seen[0]).toBe(`Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
      expect(seen.at(-1)).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
