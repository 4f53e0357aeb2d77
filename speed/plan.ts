/**
 * The control plane's decisions, as pure functions: given the declared jobs and what the cluster
 * runs, which actions bring one to the other. No I/O here: `control-plane.ts` observes and applies.
 */
import type { JobSpec } from './jobs.ts';
import type { JobState } from './flink-client.ts';
import type { RetainedCheckpoint } from './retained-checkpoints.ts';

/** A declared job with the hash of the code it should run (passed to the job as `--jar.hash`). */
export interface DesiredJob extends JobSpec {
  jarHash: string;
}

/** A job the cluster knows, as observed over REST. */
export interface ObservedJob {
  jid: string;
  name: string;
  state: JobState;
  startTime: number;
  /** the job's global parameters: our jobs' flags, `jar.hash` included */
  params: Readonly<Record<string, string>>;
  parallelism: number;
  /** the latest retained checkpoint, for jobs that ended */
  lastCheckpoint?: string;
}

/** The newest retained checkpoint on the file system of each job name the cluster does not list. */
export type RetainedCheckpoints = Readonly<Record<string, RetainedCheckpoint | undefined>>;

export type Action =
  | { kind: 'keep'; job: string; jid: string; reason: string }
  | { kind: 'submit'; job: string; spec: DesiredJob; restoreFrom?: string; reason: string }
  | { kind: 'upgrade'; job: string; jid: string; spec: DesiredJob; via: 'savepoint' | 'cancel'; reason: string }
  | { kind: 'cancel'; job: string; jid: string; reason: string };

/** States in which a job occupies the cluster (it will run, runs, or recovers by itself). */
export const ACTIVE_STATES: readonly JobState[] = ['INITIALIZING', 'CREATED', 'RUNNING', 'RESTARTING', 'RECONCILING', 'FAILING', 'CANCELLING'];

/** The flags the job should get: its declared args plus the code hash. */
export function desiredArgs(spec: DesiredJob): Record<string, string> {
  return { ...spec.args, 'jar.hash': spec.jarHash };
}

/** What differs between a declaration and a running job, for a person to read; empty when none. */
export function differences(spec: DesiredJob, job: ObservedJob): string[] {
  const want = desiredArgs(spec);
  const keys = [...new Set([...Object.keys(want), ...Object.keys(job.params)])].sort();
  const diffs = keys.filter((k) => want[k] !== job.params[k]).map((k) => `${k} ${job.params[k] ?? '(unset)'} → ${want[k] ?? '(unset)'}`);
  if (spec.parallelism !== job.parallelism) diffs.push(`parallelism ${job.parallelism} → ${spec.parallelism}`);
  return diffs;
}

function upgradeAction(spec: DesiredJob, job: ObservedJob, reason: string): Action {
  return { kind: 'upgrade', job: spec.name, jid: job.jid, spec, via: spec.savepointPolicy === 'savepoint' ? 'savepoint' : 'cancel', reason };
}

/**
 * Deploy: each declared job ends up running its declaration. A matching running job is kept (so
 * a second deploy does nothing); a differing one is upgraded (through a savepoint when its policy
 * says so); a missing one is submitted, resuming from the last retained checkpoint of its latest
 * run if that run failed or was cancelled, or, when the cluster lists no run of it at all (its
 * JobManager restarted without HA), from the newest retained checkpoint found on the file system
 * (`retained`). Extra running copies are cancelled. Jobs that are not declared are left alone.
 */
export function planDeploy(desired: readonly DesiredJob[], observed: readonly ObservedJob[], retained: RetainedCheckpoints = {}): Action[] {
  const actions: Action[] = [];
  for (const spec of desired) {
    const mine = observed.filter((j) => j.name === spec.name).sort((a, b) => b.startTime - a.startTime);
    const active = mine.filter((j) => ACTIVE_STATES.includes(j.state));
    const [current, ...extra] = active;
    for (const job of extra)
      actions.push({ kind: 'cancel', job: spec.name, jid: job.jid, reason: `a second copy of ${spec.name} (started later runs ${current!.jid})` });
    if (current) {
      if (current.state !== 'RUNNING') {
        actions.push({ kind: 'keep', job: spec.name, jid: current.jid, reason: `${current.state}: Flink is handling it; deploy again once it runs` });
        continue;
      }
      const diffs = differences(spec, current);
      actions.push(
        diffs.length === 0 ? { kind: 'keep', job: spec.name, jid: current.jid, reason: 'running as declared' } : upgradeAction(spec, current, diffs.join('; ')),
      );
      continue;
    }
    const last = mine[0];
    if (last?.lastCheckpoint && (last.state === 'FAILED' || last.state === 'CANCELED' || last.state === 'SUSPENDED') && spec.savepointPolicy === 'savepoint') {
      actions.push({
        kind: 'submit',
        job: spec.name,
        spec,
        restoreFrom: last.lastCheckpoint,
        reason: `not running; resumes from the last checkpoint of ${last.jid} (${last.state})`,
      });
    } else if (!last && retained[spec.name] && spec.savepointPolicy === 'savepoint') {
      const found = retained[spec.name]!;
      actions.push({
        kind: 'submit',
        job: spec.name,
        spec,
        restoreFrom: found.path,
        reason: `not running and no run listed by the cluster; resumes from the newest retained checkpoint on the file system (chk-${found.checkpointId} of ${found.jobId})`,
      });
    } else {
      actions.push({ kind: 'submit', job: spec.name, spec, reason: 'not running' });
    }
  }
  return actions;
}

/** Upgrade one job now, even when it matches (to pick up state migrations, or to test the path). */
export function planUpgrade(spec: DesiredJob, observed: readonly ObservedJob[], retained: RetainedCheckpoints = {}): Action[] {
  const current = observed.filter((j) => j.name === spec.name && j.state === 'RUNNING').sort((a, b) => b.startTime - a.startTime)[0];
  if (!current) return planDeploy([spec], observed, retained);
  const diffs = differences(spec, current);
  return [upgradeAction(spec, current, diffs.length > 0 ? diffs.join('; ') : 'upgrade requested')];
}

/** Rescale one job through a savepoint: the same declaration with another parallelism. */
export function planRescale(spec: DesiredJob, parallelism: number, observed: readonly ObservedJob[], retained: RetainedCheckpoints = {}): Action[] {
  return planDeploy([{ ...spec, parallelism }], observed, retained);
}

/** One line per action, for --dry-run and logs. */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'keep':
      return `keep     ${a.job} (${a.jid}): ${a.reason}`;
    case 'submit':
      return `submit   ${a.job}${a.restoreFrom ? ` from ${a.restoreFrom}` : ''} at parallelism ${a.spec.parallelism}: ${a.reason}`;
    case 'upgrade':
      return `upgrade  ${a.job} (${a.jid}) via ${a.via === 'savepoint' ? 'stop-with-savepoint' : 'cancel'}: ${a.reason}`;
    case 'cancel':
      return `cancel   ${a.job} (${a.jid}): ${a.reason}`;
  }
}
