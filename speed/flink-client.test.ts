import { describe, expect, it } from 'vitest';
import { exceptionSummary } from './flink-client.ts';

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
