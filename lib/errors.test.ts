import { describe, expect, it } from 'vitest';
import { ConfigError, FlinkRestError, PipelineError, StackError, describeError, isRetriable } from './errors.ts';

describe('shared > errors', () => {
  it('every error keeps its name, cause and retriable flag', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new StackError('kafka', 'did not become ready', { cause, retriable: true, logFile: '/x/kafka.log' });
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.name).toBe('StackError');
    expect(error.cause).toBe(cause);
    expect(error.retriable).toBe(true);
    expect(error.message).toBe('kafka: did not become ready\n  log: /x/kafka.log');
  });

  it("FlinkRestError shows the request and Flink's first error line; 5xx and network errors are retriable", () => {
    const e = new FlinkRestError('POST', 'http://f/jars/x/run', 500, ['org.apache.flink.client.program.ProgramInvocationException: boom\n\tat ...']);
    expect(e.message).toBe('[POST] http://f/jars/x/run: 500 org.apache.flink.client.program.ProgramInvocationException: boom');
    expect(e.retriable).toBe(true);
    expect(new FlinkRestError('GET', 'u', 404, ['Not found']).retriable).toBe(false);
    expect(new FlinkRestError('GET', 'u', undefined, ['ECONNREFUSED']).retriable).toBe(true);
  });

  it('ConfigError lists every issue and is never retriable', () => {
    const e = new ConfigError('invalid stack configuration', ['KAFKA_HEAP_MB: too small', 'STACK: invalid option']);
    expect(e.message).toBe('invalid stack configuration\n  - KAFKA_HEAP_MB: too small\n  - STACK: invalid option');
    expect(isRetriable(e)).toBe(false);
  });

  it('describeError walks the cause chain', () => {
    const e = new PipelineError('deploy failed', { cause: new PipelineError('upload failed', { cause: new Error('socket hang up') }) });
    expect(describeError(e)).toBe('deploy failed\n  caused by: upload failed\n  caused by: socket hang up');
  });
});
