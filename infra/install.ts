/**
 * Installs engines from Maven Central: each engine's runtime classpath is copied from the Maven
 * cache (~/.m2) into `<state>/lib/<engine>/`. An install is keyed by a hash of the engine poms,
 * so a version bump in infra/engines/pom.xml reinstalls and everything else is a no-op.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { StackError } from '../lib/errors.ts';
import type { StackConfig } from './config.ts';
import type { EngineName } from './engines/engine.ts';

const enginesDir = path.join(import.meta.dirname, 'engines');
const MARKER = '.installed';

export function installKey(name: EngineName): string {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(path.join(enginesDir, 'pom.xml')));
  hash.update(fs.readFileSync(path.join(enginesDir, name, 'pom.xml')));
  return hash.digest('hex').slice(0, 16);
}

export function isInstalled(config: StackConfig, name: EngineName): boolean {
  try {
    return fs.readFileSync(path.join(config.dirs.lib, name, MARKER), 'utf8') === installKey(name);
  } catch {
    return false;
  }
}

/** Installs the engines that are missing or out of date; returns the ones it installed. */
export async function installEngines(config: StackConfig, names: readonly EngineName[], log: (line: string) => void): Promise<EngineName[]> {
  const todo = names.filter((n) => !isInstalled(config, n));
  if (todo.length === 0) return [];
  log(`installing ${todo.join(', ')} from Maven Central (cached in ~/.m2; the first install downloads about 500 MB)`);
  const logFile = path.join(config.dirs.logs, 'install.log');
  fs.mkdirSync(config.dirs.logs, { recursive: true });
  for (const name of todo) fs.rmSync(path.join(config.dirs.lib, name), { recursive: true, force: true });
  const started = Date.now();
  await runMaven(
    [
      '-B',
      '-f',
      path.join(enginesDir, 'pom.xml'),
      '-pl',
      todo.join(','),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${config.dirs.lib}/\${project.artifactId}`,
    ],
    logFile,
    (downloads) => log(`  ${downloads} artifacts downloaded so far`),
  );
  for (const name of todo) {
    const dir = path.join(config.dirs.lib, name);
    const jars = fs.readdirSync(dir).filter((f) => f.endsWith('.jar')).length;
    fs.writeFileSync(path.join(dir, MARKER), installKey(name));
    log(`  ${name}: ${jars} jars`);
  }
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return todo;
}

/** Runs Maven, teeing its output to `logFile`; reports download progress every 100 artifacts. */
export function runMaven(args: string[], logFile: string, progress?: (downloads: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(logFile, { flags: 'a' });
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let downloads = 0;
    const tail: string[] = [];
    const onLine = (line: string) => {
      out.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (line.includes('Downloaded from') && ++downloads % 100 === 0) progress?.(downloads);
    };
    readline.createInterface({ input: child.stdout }).on('line', onLine);
    readline.createInterface({ input: child.stderr }).on('line', onLine);
    child.once('error', (error) => reject(new StackError('maven', 'could not run mvn: install Maven 3.8+ (apt-get install maven)', { cause: error, logFile })));
    child.once('close', (code) => {
      out.end();
      if (code === 0) resolve();
      else {
        const errors = tail
          .filter((l) => l.includes('ERROR'))
          .slice(0, 3)
          .join('\n');
        reject(new StackError('maven', `mvn ${args.slice(-3).join(' ')} failed (exit ${code}):\n${errors}`, { logFile, retriable: true }));
      }
    });
  });
}
