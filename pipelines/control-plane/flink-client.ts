/**
 * A small typed client for Flink's REST API (the calls the control plane needs), on got.
 * Failures become `FlinkRestError`s that carry Flink's own error text. POSTs are not retried:
 * uploading or running a jar twice is not idempotent, so callers observe and decide instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import got, { HTTPError, RequestError, type Got, type Method } from 'got';
import { FlinkRestError } from '../shared/errors.ts';
import { waitFor } from '../shared/wait-for.ts';

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
  | 'INITIALIZING' | 'CREATED' | 'RUNNING' | 'FAILING' | 'FAILED' | 'CANCELLING' | 'CANCELED'
  | 'FINISHED' | 'RESTARTING' | 'SUSPENDED' | 'RECONCILING';

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

export interface RunJarRequest {
  entryClass?: string;
  programArgsList?: string[];
  parallelism?: number;
  jobId?: string;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
}

export interface FlinkClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  http?: Got;
}

export function createFlinkClient({ baseUrl, timeoutMs = 30_000, http = got }: FlinkClientOptions) {
  const client = http.extend({
    prefixUrl: baseUrl.replace(/\/$/, ''),
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

  async function uploadJar(jarPath: string): Promise<JarFile['id']> {
    const form = new FormData();
    const bytes = await fs.promises.readFile(jarPath);
    form.append('jarfile', new Blob([bytes], { type: 'application/x-java-archive' }), path.basename(jarPath));
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
    const body = await call<{ exceptionHistory?: { entries: { stacktrace: string }[] } }>('GET', `jobs/${jobId}/exceptions`, { searchParams: { maxExceptions: '1' } });
    return body.exceptionHistory?.entries[0]?.stacktrace.split('\n').slice(0, 3).join('\n');
  }

  /** Waits until the job reaches one of `states`; a terminal state that was not wanted is an error. */
  async function waitForState(jobId: string, states: readonly JobState[], maxWaitMs = 120_000): Promise<JobDetails> {
    return waitFor(
      async () => {
        const details = await job(jobId);
        if (states.includes(details.state)) return details;
        if (TERMINAL_STATES.includes(details.state)) {
          const cause = await rootException(jobId).catch(() => undefined);
          throw new FlinkRestError('GET', `${baseUrl}/jobs/${jobId}`, 200, [`job ${details.name} ended ${details.state}${cause ? `: ${cause}` : ''}`], { retriable: false });
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

  return { overview, uploadJar, listJars, deleteJar, runJar, listJobs, job, cancel, rootException, waitForState };
}

export type FlinkClient = ReturnType<typeof createFlinkClient>;
