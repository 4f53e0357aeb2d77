/**
 * Debian's Chromium for the end-to-end browser test (driven by playwright-core): installed with
 * apt-get when missing, which needs root, as on the CI and development machines here.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { StackError } from '../lib/errors.ts';

const run = promisify(execFile);
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function ensureChromium(log: (line: string) => void = console.error): Promise<string> {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0)
    throw new StackError('chromium', `${CHROMIUM} is missing and installing it needs root: run  sudo apt-get install -y chromium  (or set CHROMIUM_PATH)`);
  log('installing Debian chromium with apt-get (once)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update', '-q'], { env, maxBuffer: 64 << 20 });
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], { env, maxBuffer: 64 << 20 });
  } catch (error) {
    throw new StackError('chromium', 'apt-get install chromium failed', { cause: error });
  }
  if (!fs.existsSync(CHROMIUM)) throw new StackError('chromium', `apt-get finished but ${CHROMIUM} is not there`);
  return CHROMIUM;
}
