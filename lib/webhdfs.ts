/**
 * HDFS over WebHDFS (the NameNode's REST API), so TypeScript reads and writes HDFS without a JVM.
 * Writes follow the NameNode's redirect to a DataNode, as the protocol requires. (got, not fetch:
 * the DataNode answers `100 Continue` unasked, which undici's fetch rejects as a bad response.)
 */
import fs from 'node:fs';
import got, { type RequestError, type Method, type Response } from 'got';
import { PipelineError } from './errors.ts';

export interface WebHdfsOptions {
  /** e.g. http://127.0.0.1:9870 */
  baseUrl: string;
  user?: string;
  timeoutMs?: number;
}

export interface FileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY';
  length: number;
  modificationTime: number;
}

export class HdfsError extends PipelineError {}

export function createWebHdfs({ baseUrl, user = 'moviereco', timeoutMs = 60_000 }: WebHdfsOptions) {
  const url = (path: string, op: string, params: Record<string, string> = {}) => {
    const u = new URL(`${baseUrl.replace(/\/$/, '')}/webhdfs/v1${path.startsWith('/') ? path : `/${path}`}`);
    u.searchParams.set('op', op);
    u.searchParams.set('user.name', user);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u;
  };

  async function request(method: Method, target: URL, body?: Uint8Array | string): Promise<Response<Buffer>> {
    let response: Response<Buffer>;
    try {
      response = await got(target, {
        method,
        body,
        responseType: 'buffer',
        followRedirect: false,
        throwHttpErrors: false,
        timeout: { request: timeoutMs },
        retry: { limit: 0 },
      });
      // CREATE and OPEN answer with a redirect to a DataNode
      const location = response.headers.location;
      if (response.statusCode === 307 && location) {
        response = await got(location, { method, body, responseType: 'buffer', throwHttpErrors: false, timeout: { request: timeoutMs }, retry: { limit: 0 } });
      }
    } catch (error) {
      throw new HdfsError(`[${method}] ${target.pathname}: ${(error as RequestError).message}`, { cause: error, retriable: true });
    }
    if (response.statusCode >= 300) {
      let message = response.body.toString();
      try {
        message = (JSON.parse(message) as { RemoteException?: { message: string } }).RemoteException?.message ?? message;
      } catch {
        /* not JSON */
      }
      throw new HdfsError(`[${method}] ${target.pathname}?op=${target.searchParams.get('op')}: ${response.statusCode} ${message}`, {
        retriable: response.statusCode >= 500,
      });
    }
    return response;
  }

  async function writeFile(path: string, content: Uint8Array | string, { overwrite = true } = {}): Promise<void> {
    await request('PUT', url(path, 'CREATE', { overwrite: String(overwrite) }), content);
  }

  /** Streams a local file into HDFS; `onProgress` gets the bytes sent so far. */
  async function uploadFile(
    localPath: string,
    path: string,
    { overwrite = true, onProgress }: { overwrite?: boolean; onProgress?: (bytes: number) => void } = {},
  ): Promise<void> {
    // ask for the DataNode address first (noredirect), then stream the file body to it once
    const answer = await request('PUT', url(path, 'CREATE', { overwrite: String(overwrite), noredirect: 'true' }));
    const location = (JSON.parse(answer.body.toString()) as { Location?: string }).Location;
    if (!location) throw new HdfsError(`[PUT] ${path}?op=CREATE: the NameNode gave no DataNode location`);
    try {
      const upload = got.put(location, { body: fs.createReadStream(localPath), timeout: { request: 60 * 60_000 }, retry: { limit: 0 } });
      upload.on('uploadProgress', ({ transferred }: { transferred: number }) => onProgress?.(transferred));
      await upload;
    } catch (error) {
      throw new HdfsError(`uploading ${localPath} to ${path} failed: ${(error as Error).message}`, { cause: error, retriable: true });
    }
  }

  async function readFile(path: string): Promise<Buffer> {
    return (await request('GET', url(path, 'OPEN'))).body;
  }

  async function mkdirs(path: string): Promise<void> {
    await request('PUT', url(path, 'MKDIRS'));
  }

  async function list(path: string): Promise<FileStatus[]> {
    const body = JSON.parse((await request('GET', url(path, 'LISTSTATUS'))).body.toString()) as { FileStatuses: { FileStatus: FileStatus[] } };
    return body.FileStatuses.FileStatus;
  }

  async function exists(path: string): Promise<boolean> {
    try {
      await request('GET', url(path, 'GETFILESTATUS'));
      return true;
    } catch (error) {
      if (error instanceof HdfsError && error.message.includes(': 404 ')) return false;
      throw error;
    }
  }

  async function remove(path: string, { recursive = true } = {}): Promise<boolean> {
    const body = JSON.parse((await request('DELETE', url(path, 'DELETE', { recursive: String(recursive) }))).body.toString()) as { boolean: boolean };
    return body.boolean;
  }

  return { writeFile, uploadFile, readFile, mkdirs, list, exists, remove };
}

export type WebHdfs = ReturnType<typeof createWebHdfs>;
