import { describe, expect, it } from 'vitest';
import { coresEach, cpuShare, parseStatCpuTicks, parseStatusKb, sampleEach, sampleProc } from './proc-stats.ts';

describe('bench > proc-stats', () => {
  it('reads utime + stime after a command name with spaces and parentheses', () => {
    const stat = '4242 (node (api) x) S 1 4242 4242 0 -1 4194560 31337 0 12 0 1500 250 0 0 20 0 11 0 123456 1234567890 45678 18446744073709551615';
    expect(parseStatCpuTicks(stat)).toBe(1750);
    expect(() => parseStatCpuTicks('garbage')).toThrow(/not a \/proc/);
  });

  it('reads VmRSS and VmHWM in kB', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  654321 kB\nVmRSS:\t  512000 kB\n';
    expect(parseStatusKb(status, 'VmRSS')).toBe(512_000);
    expect(parseStatusKb(status, 'VmHWM')).toBe(654_321);
    expect(parseStatusKb('Name:\tx\n', 'VmRSS')).toBe(0);
  });

  it('gives the cores busy over an interval', () => {
    const a = { at: 1000, cpuTicks: 100, rssKb: 0, hwmKb: 0 };
    const b = { at: 3000, cpuTicks: 250, rssKb: 0, hwmKb: 0 };
    expect(cpuShare(a, b, 100)).toBeCloseTo(0.75);
    expect(cpuShare(a, a, 100)).toBe(0);
  });

  it('gives each engine its cores, leaving out one that is gone or restarted', () => {
    const at = (ms: number, cpuTicks: number) => ({ at: ms, cpuTicks, rssKb: 0, hwmKb: 0 });
    const before = new Map([
      ['cassandra', at(0, 100)],
      ['kafka', at(0, 500)],
      ['flink-taskmanager', at(0, 50)],
    ]);
    const after = new Map([
      ['cassandra', at(10_000, 1_000)],
      ['kafka', at(10_000, 20)],
    ]);
    expect(coresEach(before, after, 100)).toEqual({ cassandra: 0.9 });
    const self = sampleEach([
      { name: 'me', pid: process.pid },
      { name: 'gone', pid: 2 ** 30 },
    ]);
    expect([...self.keys()]).toEqual(['me']);
  });

  it('samples this very process', () => {
    const s = sampleProc(process.pid);
    expect(s?.rssKb).toBeGreaterThan(1000);
    expect(s?.cpuTicks).toBeGreaterThan(0);
    expect(sampleProc(2 ** 30)).toBeUndefined();
  });
});
