import { applyCassandraSchema } from '../schemas/cassandra.ts';
import { jobDeclarations, loadJobsConfig, programArgs, type JobSpec, type JobsConfig } from './jobs.ts';
import { PipelineError } from '../lib/errors.ts';
import { waitFor } from '../lib/wait-for.ts';
import { createFlinkClient, type FlinkClient } from './flink-client.ts';
import {
  ACTIVE_STATES,
  describeAction,
  desiredArgs,
  differences,
  planDeploy,
  planRescale,
  planUpgrade,
  type Action,
  type DesiredJob,
  type ObservedJob,
  type RetainedCheckpoints,
} from './plan.ts';
import { newestRetainedCheckpoint } from './retained-checkpoints.ts';
import { cassandraClient, type JobProject, type Platform } from '../lib/platform.ts';
import type { SinkSample } from './stall.ts';

export interface ControlPlaneOptions {
  platform: Platform;
  jobs?: JobsConfig;
  flink?: FlinkClient;
  log?: (line: string) => void;
}

export interface ApplyResult {
  action: Action;
  /** the job id that runs afterwards (submit, upgrade, keep) */
  jid?: string;
  /** the savepoint an upgrade went through */
  savepoint?: string;
}

export interface JobStatus {
  name: string;
  jid?: string;
  state: string;
  parallelism?: number;
  uptimeMs?: number;
  lastCheckpointAgeMs?: number;
  checkpoints?: { completed: number; failed: number };
  /** what differs from the declaration; empty when it runs as declared */
  drift: string[];
}

export function createControlPlane({
  platform: stack,
  jobs = loadJobsConfig(),
  flink = createFlinkClient({ rest: stack.flink }),
  log = (line) => console.log(line),
}: ControlPlaneOptions) {
  const declarations = jobDeclarations(stack, jobs);

  function declared(name: string): JobSpec {
    const spec = declarations.find((d) => d.name === name || d.name === jobs.prefix + name);
    if (!spec) throw new PipelineError(`no declared job ${name}; declared: ${declarations.map((d) => d.name).join(', ')}`);
    return spec;
  }

  function desired(spec: JobSpec): DesiredJob {
    return { ...spec, jarHash: stack.jobSourceHash(spec.project) };
  }

  /** Every job the cluster knows, with parameters for active ones and the last checkpoint for the latest ended run of each name. */
  async function observe(): Promise<ObservedJob[]> {
    const jobsOnCluster = (await flink.listJobs()).sort((a, b) => b['start-time'] - a['start-time']);
    const seenEnded = new Set<string>();
    return Promise.all(
      jobsOnCluster.map(async (j): Promise<ObservedJob> => {
        const base = { jid: j.jid, name: j.name, state: j.state, startTime: j['start-time'], params: {}, parallelism: 0 };
        if (ACTIVE_STATES.includes(j.state)) {
          // the job's parallelism as submitted (operators pinned to 1, like the model-updates source, do not count)
          const cfg = await flink.jobConfig(j.jid);
          return { ...base, params: cfg.params, parallelism: cfg.parallelism };
        }
        const active = jobsOnCluster.some((o) => o.name === j.name && ACTIVE_STATES.includes(o.state));
        if (active || seenEnded.has(j.name)) return base;
        seenEnded.add(j.name);
        const cp = await flink.checkpoints(j.jid).catch(() => undefined);
        // a run that ended before its first checkpoint still holds the state it was restored from
        return { ...base, lastCheckpoint: cp?.latest?.path ?? cp?.restored?.path };
      }),
    );
  }

  /**
   * For each of the declarations that the cluster lists no run of (its JobManager restarted and
   * forgot them), the newest complete retained checkpoint on the file system (file:// only).
   */
  async function observeRetained(specs: readonly JobSpec[], observed: readonly ObservedJob[]): Promise<RetainedCheckpoints> {
    const unlisted = specs.filter((s) => !observed.some((j) => j.name === s.name));
    const found = await Promise.all(unlisted.map(async (s) => [s.name, await newestRetainedCheckpoint(stack.flink.checkpointsDir, s.name, log)] as const));
    return Object.fromEntries(found.filter(([, c]) => c !== undefined));
  }

  async function observeAll(specs: readonly JobSpec[]): Promise<{ observed: ObservedJob[]; retained: RetainedCheckpoints }> {
    const observed = await observe();
    return { observed, retained: await observeRetained(specs, observed) };
  }

  const jarIds = new Map<string, string>();
  async function jarFor(project: JobProject, hash: string): Promise<string> {
    const name = `${project}-${hash}.jar`;
    const known = jarIds.get(name) ?? (await flink.listJars()).find((j) => j.name === name)?.id;
    if (known) return known;
    const jarPath = await stack.jobJar(project, log);
    if (stack.jobSourceHash(project) !== hash) throw new PipelineError(`${project} sources changed while deploying; deploy again`);
    log(`uploading ${name}`);
    const id = await flink.uploadJar(jarPath, name);
    jarIds.set(name, id);
    // older builds of the same project are no longer needed: running jobs keep their own copy
    for (const old of await flink.listJars()) {
      if (old.name.startsWith(`${project}-`) && old.name !== name) await flink.deleteJar(old.id).catch(() => undefined);
    }
    return id;
  }

  async function submit(spec: DesiredJob, restoreFrom?: string): Promise<string> {
    const jarId = await jarFor(spec.project, spec.jarHash);
    const jid = await flink.runJar(jarId, {
      entryClass: spec.entryClass,
      programArgsList: programArgs(desiredArgs(spec)),
      parallelism: spec.parallelism,
      savepointPath: restoreFrom,
      allowNonRestoredState: false,
    });
    await flink.waitForState(jid, ['RUNNING'], 180_000);
    // the job is RUNNING before its tasks are: wait until every task runs (sources reading, sinks
    // connected); a bounded source that has done its work (the speed job's current-model read) is FINISHED
    await waitFor(async () => ((await flink.job(jid)).vertices.every((v) => v.status === 'RUNNING' || v.status === 'FINISHED') ? true : undefined), {
      delayMs: 250,
      maxWaitMs: 120_000,
      description: `every task of ${spec.name} running`,
    });
    return jid;
  }

  async function applyOne(action: Action): Promise<ApplyResult> {
    log(describeAction(action));
    switch (action.kind) {
      case 'keep':
        return { action, jid: action.jid };
      case 'cancel':
        await flink.cancel(action.jid);
        await flink.waitForState(action.jid, ['CANCELED']);
        return { action };
      case 'submit':
        return { action, jid: await submit(action.spec, action.restoreFrom) };
      case 'upgrade': {
        // build and upload first, so the job is down only for the stop and the start
        await jarFor(action.spec.project, action.spec.jarHash);
        let savepoint: string | undefined;
        if (action.via === 'savepoint') {
          savepoint = await flink.savepoint(action.jid, { stop: true });
          log(`  stopped ${action.job} with savepoint ${savepoint}`);
        } else {
          await flink.cancel(action.jid);
          await flink.waitForState(action.jid, ['CANCELED']);
        }
        try {
          return { action, jid: await submit(action.spec, savepoint), savepoint };
        } catch (error) {
          throw new PipelineError(
            `${action.job} stopped but did not start again${savepoint ? `; its state is in ${savepoint} (submit-job deploy resumes from there only with --from ${savepoint})` : ''}`,
            { cause: error },
          );
        }
      }
    }
  }

  /** The jobs' sinks write to these tables: make sure they exist (idempotent). */
  async function ensureTables(): Promise<void> {
    const client = cassandraClient(stack);
    try {
      await applyCassandraSchema(client, stack.cassandra.keyspace, stack.cassandra.replication);
    } finally {
      await client.shutdown();
    }
  }

  async function apply(actions: Action[], dryRun: boolean): Promise<ApplyResult[]> {
    if (dryRun) {
      for (const a of actions) log(`(dry run) ${describeAction(a)}`);
      return actions.map((action) => ({ action }));
    }
    if (actions.some((a) => a.kind === 'submit' || a.kind === 'upgrade')) await ensureTables();
    const results: ApplyResult[] = [];
    for (const action of actions) results.push(await applyOne(action));
    return results;
  }

  return {
    declarations,
    observe,
    observeRetained,

    /** Makes the cluster run the declared jobs (all, or those named). */
    async deploy({
      only = [],
      dryRun = false,
      from,
      fresh = false,
    }: {
      only?: string[];
      dryRun?: boolean;
      from?: string;
      fresh?: boolean;
    } = {}): Promise<ApplyResult[]> {
      const specs = (only.length > 0 ? only.map(declared) : declarations).map(desired);
      const { observed, retained } = await observeAll(specs);
      let actions = planDeploy(specs, observed, retained);
      // fresh: a job that is not running starts without the state of its last run
      if (fresh)
        actions = actions.map((a) =>
          a.kind === 'submit' && a.restoreFrom ? { kind: 'submit', job: a.job, spec: a.spec, reason: 'not running; starts fresh (--fresh)' } : a,
        );
      if (from) {
        if (specs.length !== 1) throw new PipelineError('--from needs exactly one job name');
        actions = actions.map((a) => (a.kind === 'submit' ? { ...a, restoreFrom: from, reason: `${a.reason}; restores ${from}` } : a));
      }
      return apply(actions, dryRun);
    },

    /** Stops a job with a savepoint and starts it again from there (its current declaration). */
    async upgrade(name: string, { dryRun = false } = {}): Promise<ApplyResult[]> {
      const spec = desired(declared(name));
      const { observed, retained } = await observeAll([spec]);
      return apply(planUpgrade(spec, observed, retained), dryRun);
    },

    /** Changes a job's parallelism through a savepoint. */
    async rescale(name: string, parallelism: number, { dryRun = false } = {}): Promise<ApplyResult[]> {
      const spec = desired(declared(name));
      const { observed, retained } = await observeAll([spec]);
      return apply(planRescale(spec, parallelism, observed, retained), dryRun);
    },

    /** Takes a savepoint of a running job; returns its path. */
    async savepoint(name: string): Promise<string> {
      const job = (await observe()).find((j) => j.name === declared(name).name && j.state === 'RUNNING');
      if (!job) throw new PipelineError(`${name} is not running`);
      const location = await flink.savepoint(job.jid);
      log(`savepoint of ${name}: ${location}`);
      return location;
    },

    /** Cancels a job (with a savepoint first when asked); returns the savepoint, if any. */
    async cancel(name: string, { withSavepoint = false } = {}): Promise<string | undefined> {
      const job = (await observe()).find((j) => j.name === declared(name).name && ACTIVE_STATES.includes(j.state));
      if (!job) throw new PipelineError(`${name} is not running`);
      if (withSavepoint) {
        const location = await flink.savepoint(job.jid, { stop: true });
        log(`stopped ${name} with savepoint ${location}`);
        return location;
      }
      await flink.cancel(job.jid);
      await flink.waitForState(job.jid, ['CANCELED']);
      log(`cancelled ${name}`);
      return undefined;
    },

    /**
     * The speed job's sink counters now (valid ratings decoded, user_ratings rows written), for the
     * stall alarm (`sinkStall`, stall.ts): two samples a few seconds apart tell a stuck sink.
     */
    async sinkSample(jid: string): Promise<SinkSample | undefined> {
      const { vertices } = await flink.job(jid);
      const decode = vertices.find((v) => /\bdecode\b/.test(v.name) && !v.name.includes('decode-model'));
      const writer = vertices.find((v) => v.name.includes('user-writes: Writer'));
      if (!decode || !writer) return undefined;
      const [valid, written] = await Promise.all([
        flink.vertexMetric(jid, decode.id, 'decode.ratingsValid'),
        flink.vertexMetric(jid, writer.id, 'user-writes__Writer.cassandraRowsWritten'),
      ]);
      return valid === undefined || written === undefined ? undefined : { valid, written, at: Date.now() };
    },

    /** Users the speed job has seeded (a first sight: history read from Cassandra) since it started, summed over subtasks. */
    async usersSeeded(jid: string): Promise<number | undefined> {
      const { vertices } = await flink.job(jid);
      const foldIn = vertices.find((v) => /\bfold-in\b/.test(v.name));
      return foldIn ? flink.vertexMetric(jid, foldIn.id, 'fold-in.usersSeeded') : undefined;
    },

    /** The declared jobs: state, uptime, checkpoints, and drift from the declaration. */
    async status(): Promise<JobStatus[]> {
      const observed = await observe();
      return Promise.all(
        declarations.map(async (spec): Promise<JobStatus> => {
          const job = observed.filter((j) => j.name === spec.name).sort((a, b) => b.startTime - a.startTime)[0];
          if (!job) return { name: spec.name, state: 'NOT DEPLOYED', drift: [] };
          const active = ACTIVE_STATES.includes(job.state);
          const cp = active ? await flink.checkpoints(job.jid).catch(() => undefined) : undefined;
          return {
            name: spec.name,
            jid: job.jid,
            state: job.state,
            parallelism: active ? job.parallelism : undefined,
            uptimeMs: active ? Date.now() - job.startTime : undefined,
            lastCheckpointAgeMs: cp?.latest ? Date.now() - cp.latest.at : undefined,
            checkpoints: cp ? { completed: cp.completed, failed: cp.failed } : undefined,
            drift: active ? differences(desired(spec), job) : [],
          };
        }),
      );
    },
  };
}

export type ControlPlane = ReturnType<typeof createControlPlane>;
