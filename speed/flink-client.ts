/**
 * A small typed client for Flink's REST API (the calls the control plane needs), on got.
 * Failures become `FlinkRestError`s that carry Flink's own error text. POSTs are not retried:
 * uploading or running a jar twice is not idempotent, so callers observe and decide instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import got, { HTTPError, RequestError, type Got, type Method } from 'got';
import { FlinkRestError } from '../lib/errors.ts';
import { flinkRestHttpOptions, type FlinkRest } from '../lib/platform.ts';
import { waitFor } from '../lib/wait-for.ts';

export interface FlinkOverview {
  taskmanagers: number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'flink-version': string;
}

export type JobState =
  | 'INITIALIZING'
  | 'CREATED'
  | 'RUNNING'
  | 'FAILING'
  | 'FAILED'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'RESTARTING'
  | 'SUSPENDED'
  | 'RECONCILING';

export const TERMINAL_STATES: readonly JobState[] = ['FAILED', 'CANCELED', 'FINISHED', 'SUSPENDED'];

export interface JobDetails {
  jid: string;
  name: string;
  state: JobState;
  'start-time': number;
  duration: number;
  vertices: { id: string; name: string; parallelism: number; status: string }[];
}

export interface JarFile {
  id: string;
  name: string;
  uploaded: number;
  entry: { name: string; description: string | null }[];
}

export interface CheckpointSummary {
  completed: number;
  failed: number;
  latest?: { id: number; path?: string; at: number; durationMs: number; sizeBytes: number };
  /** the checkpoint or savepoint this run of the job last restored its state from */
  restored?: { id: number; at: number; savepoint: boolean; path?: string };
}

export interface RunJarRequest {
  entryClass?: string;
  programArgsList?: string[];
  parallelism?: number;
  jobId?: string;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
}

/**
 * A Java stack trace in a few lines: the first says where it failed, the causes say why (the last
 * three, the deepest last); the `at ...` frames are left out.
 */
export function exceptionSummary(trace: string): string {
  const lines = trace.split('\n');
  const causes = lines.filter((l) => /^\s*(Caused by|Suppressed):/.test(l)).map((l) => l.trim());
  return [lines[0], ...causes.slice(-3)].join('\n');
}

export interface FlinkClientOptions {
  /** the REST API's URL, and the basic auth and CA of a REST API behind a proxy or TLS (Flink has no login of its own) */
  rest: FlinkRest;
  timeoutMs?: number;
  http?: Got;
}

export function createFlinkClient({ rest, timeoutMs = 30_000, http = got }: FlinkClientOptions) {
  const baseUrl = rest.restUrl.replace(/\/$/, '');
  const client = http.extend({
    prefixUrl: baseUrl,
    ...flinkRestHttpOptions(rest),
    timeout: { request: timeoutMs },
    retry: { limit: 2, methods: ['GET'] },
    responseType: 'json',
  });

  async function call<T>(method: Method, route: string, options: { json?: unknown; body?: FormData; searchParams?: Record<string, string> } = {}): Promise<T> {
    try {
      const response = await client<T>(route.replace(/^\//, ''), { method, ...options });
      return response.body;
    } catch (error) {
      if (error instanceof HTTPError) {
        const body = error.response.body as { errors?: string[] } | string | undefined;
        const errors = typeof body === 'object' && body?.errors ? body.errors : [String(body ?? error.message)];
        throw new FlinkRestError(method, `${baseUrl}/${route.replace(/^\//, '')}`, error.response.statusCode, errors, { cause: error });
      }
      if (error instanceof RequestError) {
        throw new FlinkRestError(method, `${baseUrl}/${route.replace(/^\//, '')}`, undefined, [error.message], { cause: error });
      }
      throw error;
    }
  }

  async function overview(): Promise<FlinkOverview> {
    return call('GET', 'overview');
  }

  /** Uploads a jar, under `name` if given (what `listJars` then shows); returns its id. */
  async function uploadJar(jarPath: string, name = path.basename(jarPath)): Promise<JarFile['id']> {
    const form = new FormData();
    const bytes = await fs.promises.readFile(jarPath);
    form.append('jarfile', new Blob([bytes], { type: 'application/x-java-archive' }), name);
    const result = await call<{ filename: string; status: string }>('POST', 'jars/upload', { body: form });
    return path.basename(result.filename);
  }

  async function listJars(): Promise<JarFile[]> {
    return (await call<{ files: JarFile[] }>('GET', 'jars')).files;
  }

  async function deleteJar(jarId: string): Promise<void> {
    await call('DELETE', `jars/${encodeURIComponent(jarId)}`);
  }

  async function runJar(jarId: string, request: RunJarRequest): Promise<string> {
    return (await call<{ jobid: string }>('POST', `jars/${encodeURIComponent(jarId)}/run`, { json: request })).jobid;
  }

  async function listJobs(): Promise<{ jid: string; name: string; state: JobState; 'start-time': number }[]> {
    return (await call<{ jobs: { jid: string; name: string; state: JobState; 'start-time': number }[] }>('GET', 'jobs/overview')).jobs;
  }

  async function job(jobId: string): Promise<JobDetails> {
    return call('GET', `jobs/${jobId}`);
  }

  async function cancel(jobId: string): Promise<void> {
    await call('PATCH', `jobs/${jobId}`, { searchParams: { mode: 'cancel' } });
  }

  /** The first root cause Flink recorded for a job, if any. */
  async function rootException(jobId: string): Promise<string | undefined> {
    const body = await call<{ exceptionHistory?: { entries: { stacktrace: string }[] } }>('GET', `jobs/${jobId}/exceptions`, {
      searchParams: { maxExceptions: '1' },
    });
    const trace = body.exceptionHistory?.entries[0]?.stacktrace;
    return trace === undefined ? undefined : exceptionSummary(trace);
  }

  /** The job's global parameters (our jobs put their flags there) and its default parallelism. */
  async function jobConfig(jobId: string): Promise<{ parallelism: number; params: Record<string, string> }> {
    const body = await call<{ 'execution-config': { 'job-parallelism': number; 'user-config'?: Record<string, string> } }>('GET', `jobs/${jobId}/config`);
    return { parallelism: body['execution-config']['job-parallelism'], params: body['execution-config']['user-config'] ?? {} };
  }

  /** The latest completed checkpoint (path, time), if any, and how many failed. */
  async function checkpoints(jobId: string): Promise<CheckpointSummary> {
    const body = await call<{
      counts: { completed: number; failed: number; in_progress: number };
      latest?: {
        completed?: { id: number; external_path?: string; latest_ack_timestamp: number; state_size?: number; end_to_end_duration?: number } | null;
        restored?: { id: number; restore_timestamp: number; is_savepoint: boolean; external_path?: string } | null;
      };
    }>('GET', `jobs/${jobId}/checkpoints`);
    const latest = body.latest?.completed;
    const restored = body.latest?.restored;
    return {
      completed: body.counts.completed,
      failed: body.counts.failed,
      latest: latest
        ? {
            id: latest.id,
            path: latest.external_path,
            at: latest.latest_ack_timestamp,
            durationMs: latest.end_to_end_duration ?? 0,
            sizeBytes: latest.state_size ?? 0,
          }
        : undefined,
      restored: restored ? { id: restored.id, at: restored.restore_timestamp, savepoint: restored.is_savepoint, path: restored.external_path } : undefined,
    };
  }

  /**
   * Takes a savepoint into `targetDirectory` (else the cluster's state.savepoints.dir); with `stop`,
   * stops the job with it (stop-with-savepoint). Returns the savepoint's path.
   */
  async function savepoint(
    jobId: string,
    { targetDirectory, stop = false, maxWaitMs = 300_000 }: { targetDirectory?: string; stop?: boolean; maxWaitMs?: number } = {},
  ): Promise<string> {
    const { 'request-id': trigger } = stop
      ? await call<{ 'request-id': string }>('POST', `jobs/${jobId}/stop`, { json: { targetDirectory, drain: false } })
      : await call<{ 'request-id': string }>('POST', `jobs/${jobId}/savepoints`, { json: { 'target-directory': targetDirectory, 'cancel-job': false } });
    return waitFor(
      async () => {
        const status = await call<{ status: { id: string }; operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string; class?: string } } }>(
          'GET',
          `jobs/${jobId}/savepoints/${trigger}`,
        );
        if (status.status.id !== 'COMPLETED') return undefined;
        const failure = status.operation?.['failure-cause'];
        if (failure || !status.operation?.location) {
          const text = failure?.['stack-trace']?.split('\n').slice(0, 3).join('\n') ?? failure?.class ?? 'no location returned';
          throw new FlinkRestError('GET', `${baseUrl}/jobs/${jobId}/savepoints/${trigger}`, 200, [`savepoint failed: ${text}`], { retriable: false });
        }
        return status.operation.location;
      },
      { delayMs: 500, maxWaitMs, description: `savepoint of job ${jobId}` },
    ).catch((error: unknown) => {
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof FlinkRestError && !cause.retriable) throw cause;
      throw error;
    });
  }

  /** A metric of a job's vertex summed over its subtasks (e.g. `decode.ratingsValid`); undefined when the vertex does not report it. */
  async function vertexMetric(jobId: string, vertexId: string, name: string): Promise<number | undefined> {
    const body = await call<{ id: string; sum?: number }[]>('GET', `jobs/${jobId}/vertices/${vertexId}/subtasks/metrics`, {
      searchParams: { get: name, agg: 'sum' },
    });
    return body.find((m) => m.id === name)?.sum;
  }

  /** Waits until the job reaches one of `states`; a terminal state that was not wanted is an error. */
  async function waitForState(jobId: string, states: readonly JobState[], maxWaitMs = 120_000): Promise<JobDetails> {
    return waitFor(
      async () => {
        const details = await job(jobId);
        if (states.includes(details.state)) return details;
        if (TERMINAL_STATES.includes(details.state)) {
          const cause = await rootException(jobId).catch(() => undefined);
          throw new FlinkRestError('GET', `${baseUrl}/jobs/${jobId}`, 200, [`job ${details.name} ended ${details.state}${cause ? `: ${cause}` : ''}`], {
            retriable: false,
          });
        }
        return undefined;
      },
      { delayMs: 500, maxWaitMs, description: `job ${jobId} reaching ${states.join('/')}` },
    ).catch((error: unknown) => {
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof FlinkRestError && !cause.retriable) throw cause;
      throw error;
    });
  }

  return {
    overview,
    uploadJar,
    listJars,
    deleteJar,
    runJar,
    listJobs,
    job,
    jobConfig,
    checkpoints,
    savepoint,
    cancel,
    rootException,
    vertexMetric,
    waitForState,
  };
}

export type FlinkClient = ReturnType<typeof createFlinkClient>;
