/** Shared helpers for the integration tests. */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../infra/config.ts';

/** The stack configuration the tests run against (the same environment as `npm start`). */
export const config = loadConfig();

/** A name no other test or run uses: topics, keyspaces, HDFS paths. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export const silentLog = (): void => {};
