/**
 * A process's CPU time and resident memory from Linux's /proc, to report what the API costs
 * while it is loaded: CPU share as cores busy (1.0 = one whole core) over an interval, RSS now and
 * at its peak.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcSample {
  /** ms since an arbitrary origin (performance.now of the sampler) */
  at: number;
  /** user + system CPU time, in clock ticks */
  cpuTicks: number;
  rssKb: number;
  /** the peak RSS so far (VmHWM) */
  hwmKb: number;
}

/** utime + stime of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses */
export function parseStatCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** a `Key:   123 kB` line of /proc/<pid>/status, in kB (0 if absent) */
export function parseStatusKb(status: string, key: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0);
}

/** cores busy between two samples (1.0 = one core all the time) */
export function cpuShare(before: ProcSample, after: ProcSample, ticksPerSecond: number): number {
  const seconds = (after.at - before.at) / 1000;
  return seconds <= 0 ? 0 : (after.cpuTicks - before.cpuTicks) / ticksPerSecond / seconds;
}

export function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** undefined once the process is gone */
export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      at: performance.now(),
      cpuTicks: parseStatCpuTicks(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')),
      rssKb: parseStatusKb(status, 'VmRSS'),
      hwmKb: parseStatusKb(status, 'VmHWM'),
    };
  } catch {
    return undefined;
  }
}

/** the process and its children (API_WORKERS forks them), summed: CPU, RSS and peak RSS; undefined once the process is gone */
export function sampleProcTree(pid: number): ProcSample | undefined {
  const root = sampleProc(pid);
  if (!root) return undefined;
  let children: number[] = [];
  try {
    children = fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    // no children file (an old kernel): the process alone
  }
  return children
    .map(sampleProc)
    .reduce<ProcSample>(
      (sum, s) => (s ? { at: sum.at, cpuTicks: sum.cpuTicks + s.cpuTicks, rssKb: sum.rssKb + s.rssKb, hwmKb: sum.hwmKb + s.hwmKb } : sum),
      root,
    );
}

/** A sample of each named process (the stack's engines); a process that is gone is left out. */
export function sampleEach(processes: { name: string; pid: number }[]): Map<string, ProcSample> {
  const samples = new Map<string, ProcSample>();
  for (const { name, pid } of processes) {
    const s = sampleProc(pid);
    if (s) samples.set(name, s);
  }
  return samples;
}

/** Cores busy per name between two `sampleEach`, for the names in both (a restarted engine is left out: its ticks began again). */
export function coresEach(before: Map<string, ProcSample>, after: Map<string, ProcSample>, ticksPerSecond: number): Record<string, number> {
  const cores: Record<string, number> = {};
  for (const [name, b] of before) {
    const a = after.get(name);
    if (a && a.cpuTicks >= b.cpuTicks) cores[name] = cpuShare(b, a, ticksPerSecond);
  }
  return cores;
}
