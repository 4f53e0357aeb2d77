import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { lastErrorLines, withTimerSlack } from './process.ts';

describe('infra > timer slack', () => {
  const slackOf = (command: string[]) => execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' }).trim();

  it.runIf(fs.existsSync('/proc/self/timerslack_ns'))('gives the exec’d process and the processes it starts the slack asked for', () => {
    expect(slackOf(withTimerSlack(['cat', '/proc/self/timerslack_ns'], 1000))).toBe('1000000');
    // what the process starts inherits it (a JVM's threads as well as a child shell)
    expect(slackOf(withTimerSlack(['sh', '-c', 'cat /proc/self/timerslack_ns'], 250))).toBe('250000');
    expect(slackOf(['cat', '/proc/self/timerslack_ns'])).not.toBe('1000000');
  });

  it('passes the arguments through untouched, spaces and quotes included', () => {
    expect(slackOf(withTimerSlack(['echo', 'a b', '"c"', '$HOME'], 1000))).toBe('a b "c" $HOME');
  });

  it('leaves the command alone when no slack is set', () => {
    expect(withTimerSlack(['java', '-version'], undefined)).toEqual(['java', '-version']);
    expect(withTimerSlack(['java', '-version'], 0)).toEqual(['java', '-version']);
  });

  it('sets Cassandra’s to 1 ms unless configured, 0 for the kernel’s default', () => {
    expect(loadConfig({}).cassandra.timerSlackUs).toBe(1000);
    expect(loadConfig({ CASSANDRA_TIMER_SLACK_US: '0' }).cassandra.timerSlackUs).toBe(0);
    expect(() => loadConfig({ CASSANDRA_TIMER_SLACK_US: '-1' })).toThrow(/CASSANDRA_TIMER_SLACK_US/);
  });
});

describe('infra > lastErrorLines', () => {
  const log = [
    '2026-12-04 10:00:00,000 INFO  o.a.f.r.j.JobMaster - Job switched to RUNNING',
    '2026-12-04 10:00:01,000 ERROR o.a.f.r.e.ClusterEntrypoint - Fatal error occurred in the cluster entrypoint.',
    'java.lang.IllegalStateException: Trying to access closed classloader.',
    '\tat org.apache.flink.util.ExceptionUtils.rethrow(ExceptionUtils.java:1)',
    'Caused by: java.lang.OutOfMemoryError: Metaspace',
    '2026-12-04 10:00:02,000 INFO  o.a.f.r.e.ClusterEntrypoint - RECEIVED SIGNAL 15: SIGTERM. Shutting down as requested.',
    '2026-12-04 10:00:03,000 INFO  o.a.f.r.b.BlobServer - Stopped BLOB server',
  ].join('\n');

  it('keeps errors, their causes and signals, drops stack frames and ordinary lines', () => {
    expect(lastErrorLines(log, 10).split('\n')).toEqual([log.split('\n')[1], log.split('\n')[2], log.split('\n')[4], log.split('\n')[5]]);
  });

  it('keeps only the last ones, and nothing from a quiet log', () => {
    expect(lastErrorLines(log, 1)).toBe(log.split('\n')[5]);
    expect(lastErrorLines('INFO all well\nINFO still well', 5)).toBe('');
  });
});
