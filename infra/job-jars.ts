/**
 * Builds the JVM job jars (flink-jobs/, spark-jobs/) with Maven when missing or older than
 * their sources, so every command that deploys a job can call it without thinking.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobProject } from '../lib/platform.ts';
import { runMaven } from './install.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export function jobJarPath(project: JobProject): string {
  return path.join(repoRoot, project, 'target', `${project}-0.1.0.jar`);
}

function sourceFiles(project: JobProject): string[] {
  const dir = path.join(repoRoot, project);
  const walk = (d: string) =>
    fs
      .readdirSync(d, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  return [
    ...walk(path.join(dir, 'src', 'main')),
    ...walk(path.join(repoRoot, 'schemas', 'avro')),
    path.join(dir, 'pom.xml'),
    path.join(repoRoot, 'schemas', 'pom.xml'),
    path.join(repoRoot, 'infra', 'engines', 'pom.xml'),
  ].sort();
}

/**
 * A hash of everything a job jar is built from (its main sources, the Avro schemas, the poms), 12
 * hex digits. Maven jars are not byte-reproducible, so the control plane compares this instead:
 * a running job whose hash differs runs other code.
 */
export function jobSourceHash(project: JobProject): string {
  const hash = createHash('sha256');
  for (const file of sourceFiles(project)) {
    hash.update(path.relative(repoRoot, file));
    hash.update('\0');
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Returns the jar's path, building it first if any source or pom is newer. */
export async function ensureJobJar(project: JobProject, logFile: string, log: (line: string) => void = () => {}): Promise<string> {
  const dir = path.join(repoRoot, project);
  const jar = jobJarPath(project);
  // the jar bundles the Avro classes generated from schemas/, so those count as its sources too
  const sources = Math.max(
    newestMtime(path.join(dir, 'src')),
    newestMtime(path.join(repoRoot, 'schemas', 'avro')),
    ...[path.join(dir, 'pom.xml'), path.join(repoRoot, 'schemas', 'pom.xml'), path.join(repoRoot, 'infra', 'engines', 'pom.xml')].map(
      (f) => fs.statSync(f).mtimeMs,
    ),
  );
  if (fs.existsSync(jar) && fs.statSync(jar).mtimeMs >= sources) return jar;
  log(`building ${project} with Maven`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  await runMaven(['-B', '-f', path.join(repoRoot, 'pom.xml'), '-pl', project, '-am', 'package', '-DskipTests'], logFile);
  return jar;
}
