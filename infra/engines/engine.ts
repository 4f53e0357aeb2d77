/**
 * What an engine is to the stack: a Maven module whose runtime classpath is the engine, the
 * processes to start from it, how to prepare its config and storage, and a readiness probe
 * that speaks the engine's own protocol.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config.ts';
import type { JavaInfo, ProcessSpec } from '../process.ts';

export type EngineName = 'hdfs' | 'cassandra' | 'kafka' | 'flink' | 'spark';

export interface EngineContext {
  config: StackConfig;
  java: JavaInfo;
  /** the engine's own directories under the state dir */
  libDir: string;
  confDir: string;
  dataDir: string;
  logsDir: string;
}

export interface Engine {
  name: EngineName;
  /** the processes it runs, in start order; empty for engines that only provide tools (Spark) */
  processes(ctx: EngineContext): ProcessSpec[];
  /** writes config files and formats storage on first start; must be idempotent */
  prepare?(ctx: EngineContext): Promise<void>;
  /** resolves with a short detail when the engine serves requests, throws why not */
  probe(config: StackConfig): Promise<string>;
  /** one-off provisioning once ready (topics); also run against external clusters */
  provision?(config: StackConfig): Promise<void>;
  /** the address to show in `status` */
  address(config: StackConfig): string;
}

export function engineContext(config: StackConfig, java: JavaInfo, name: EngineName): EngineContext {
  return {
    config,
    java,
    libDir: path.join(config.dirs.lib, name),
    confDir: path.join(config.dirs.conf, name),
    dataDir: path.join(config.dirs.data, name),
    logsDir: config.dirs.logs,
  };
}

/**
 * The i-th (from 0) of `count` processes of one role: alone, it keeps the role's name and folder
 * (`kafka`, `data/kafka`); one of several is `<name>-<i+1>` in `<folder>/node-<i+1>`.
 */
export function nodeOf(name: string, dir: string, i: number, count: number): { name: string; dir: string } {
  return count === 1 ? { name, dir } : { name: `${name}-${i + 1}`, dir: path.join(dir, `node-${i + 1}`) };
}

/**
 * Throws unless `have` reaches the `count` processes of a role started here; an external cluster
 * needs one and may have more.
 */
export function requireAll(config: StackConfig, have: number, count: number, what: string): void {
  const wanted = config.mode === 'external' ? 1 : count;
  if (have < wanted) throw new Error(`${have} of ${wanted} ${what}`);
}

/** The classpath entries of an engine's lib dir (a wildcard, as `java -cp` expands it). */
export function libClasspath(libDir: string): string {
  return path.join(libDir, '*');
}

/** The one jar in `dir` whose name starts with `prefix`. */
export function findJar(dir: string, prefix: string): string {
  const jar = fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.jar'));
  if (!jar) throw new Error(`no ${prefix}*.jar in ${dir}`);
  return path.join(dir, jar);
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), content);
  }
}

/**
 * Writes a file only its owner may read (0600): it holds passwords. The mode is set again, since
 * an older file keeps its own when overwritten.
 */
export function writePrivateFile(file: string, content: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}

/** `key=value` lines from an object. */
export function properties(values: Record<string, string | number | boolean>): string {
  return `${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** Hadoop's `<configuration>` XML from an object. */
export function hadoopXml(values: Record<string, string | number | boolean>): string {
  const body = Object.entries(values)
    .map(([k, v]) => `  <property><name>${k}</name><value>${v}</value></property>`)
    .join('\n');
  return `<?xml version="1.0"?>\n<configuration>\n${body}\n</configuration>\n`;
}

/** A Log4j 2 properties file that sends everything to stdout (the process log). */
export function log4j2Console(extraLoggers: Record<string, string> = {}): string {
  const loggers = Object.entries(extraLoggers).flatMap(([name, level], i) => [`logger.l${i}.name=${name}`, `logger.l${i}.level=${level}`]);
  return `${[
    'status=warn',
    'appender.console.type=Console',
    'appender.console.name=STDOUT',
    'appender.console.layout.type=PatternLayout',
    'appender.console.layout.pattern=%d{ISO8601} %-5p %c{1.} - %m%n',
    'rootLogger.level=INFO',
    'rootLogger.appenderRef.stdout.ref=STDOUT',
    ...loggers,
  ].join('\n')}\n`;
}
