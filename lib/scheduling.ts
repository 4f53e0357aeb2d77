/**
 * A process's place in the Linux scheduler: raising its priority, and how long it waited for a
 * core. With the kernel's autogroups on (`/proc/sys/kernel/sched_autogroup_enabled`, the default of
 * most distributions) every session gets an equal share of the cores and a nice value ranks a
 * process only within its session, so a process whose priority matters is started as a session of
 * its own (`detached`) and its session's nice value is raised too.
 */
import fs from 'node:fs';
import os from 'node:os';

/** A nice value given on a command line (`--nice=-10`): an integer from -20 to 19, else a clear error. */
export function parseNice(text: string): number {
  const nice = Number(text);
  if (text.trim() === '' || !Number.isInteger(nice) || nice < -20 || nice > 19) throw new Error(`--nice must be an integer from -20 to 19, not ${text}`);
  return nice;
}

/** Raises a process started as a session of its own to `nice`, and its autogroup too where the kernel has them. */
export function raisePriority(pid: number, nice: number) {
  os.setPriority(pid, nice);
  const autogroup = `/proc/${pid}/autogroup`;
  if (fs.existsSync(autogroup)) fs.writeFileSync(autogroup, String(nice));
}

/**
 * How long the main thread of process `pid` (a Node process's event loop) has waited for a core
 * since it started, in ms: the second field of `/proc/<pid>/schedstat`; undefined if unreadable.
 */
export function runQueueWaitMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const waitedNs = Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waitedNs) ? waitedNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
