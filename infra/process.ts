/**
 * Local JVM processes of the stack. Every process we start carries two system properties,
 * `-Dmoviereco.stack=<state dir>` and `-Dmoviereco.process=<name>`, so the stack is observed
 * from /proc alone: no pid file can go stale, and `down` finds every process it started,
 * including ones a crashed `up` left behind. (Linux only, like the rest of infra/.)
 */
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from '../lib/errors.ts';
import { waitFor } from '../lib/wait-for.ts';

const execFileAsync = promisify(execFile);

export interface JavaInfo {
  bin: string;
  home: string;
  major: number;
}

export interface ProcessSpec {
  /** unique within the stack, e.g. `hdfs-namenode` */
  name: string;
  mainClass: string;
  classpath: string[];
  jvmOptions: string[];
  args: string[];
  /** ports the process will listen on; checked before start */
  ports: { host: string; port: number }[];
  env?: Record<string, string>;
  /** the kernel's timer slack for every thread of the process, in µs (Linux); unset: the kernel's 50 */
  timerSlackUs?: number;
}

export interface RunningProcess {
  name: string;
  pid: number;
}

const STACK_MARK = '-Dmoviereco.stack=';
const PROCESS_MARK = '-Dmoviereco.process=';

/** Finds a Java 17 installation: JAVA_HOME, else the `java` on PATH. */
export async function findJava(javaHome: string | undefined): Promise<JavaInfo> {
  const bin = javaHome ? path.join(javaHome, 'bin', 'java') : 'java';
  let output: string;
  try {
    const { stderr, stdout } = await execFileAsync(bin, ['-XshowSettings:properties', '-version']);
    output = stderr + stdout;
  } catch (error) {
    throw new StackError('java', `no Java found at ${bin}: install a Java 17 JDK or set JAVA_HOME`, {
      cause: error,
    });
  }
  const version = /java\.specification\.version = (\d+)/.exec(output)?.[1];
  const home = /java\.home = (.+)/.exec(output)?.[1]?.trim() ?? javaHome ?? '';
  const major = Number(version);
  if (major !== 17) {
    throw new StackError(
      'java',
      `Java 17 is required (Kafka 4 brokers need 17 or newer, Cassandra 5.0 runs on 11 or 17 only); ` +
        `found Java ${version ?? 'of unknown version'} at ${home || bin}. Set JAVA_HOME to a Java 17 installation.`,
    );
  }
  return { bin: path.join(home, 'bin', 'java'), home, major };
}

export async function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Is anything accepting TCP connections at host:port? */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function readCmdline(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

/** Every live process started for this state directory. */
export function listStackProcesses(stackDir: string): RunningProcess[] {
  const found: RunningProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readCmdline(Number(entry));
    if (!args?.includes(STACK_MARK + stackDir)) continue;
    const name = args.find((a) => a.startsWith(PROCESS_MARK))?.slice(PROCESS_MARK.length);
    if (name && !isZombie(Number(entry))) found.push({ name, pid: Number(entry) });
  }
  return found;
}

/**
 * Gone but not yet reaped. A JVM whose main thread has ended while other threads still run (its
 * shutdown hooks, say) also shows state Z, yet holds its ports: only a zombie with no thread left counts.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (!stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    const threads = Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 1);
    return threads <= 1;
  } catch {
    return true;
  }
}

/** Resident memory of a process in MiB, or undefined when it is gone. */
export function residentMb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

export function logFileOf(logsDir: string, name: string): string {
  return path.join(logsDir, `${name}.log`);
}

export interface Started {
  pid: number;
  /** resolves with the exit code if the process ends (only while this Node process lives) */
  exited: Promise<number | null>;
  logFile: string;
}

/** The `java` arguments of a process, marked as this stack's (a container's too, so /proc shows it). */
export function javaArgv(spec: ProcessSpec, stackDir: string): string[] {
  return [STACK_MARK + stackDir, PROCESS_MARK + spec.name, ...spec.jvmOptions, '-cp', spec.classpath.join(':'), spec.mainClass, ...spec.args];
}

/**
 * `command` started by a shell that first sets its own timer slack (how late the kernel may end a
 * timed sleep), which every thread of the exec'd process inherits. A pool that polls for work
 * with sleeps of microseconds (Cassandra's shared executor) then wakes at most once per slack
 * instead of tens of thousands of times a second. Where /proc/self/timerslack_ns is missing
 * (not Linux) the command starts as it would without.
 */
export function withTimerSlack(command: string[], slackUs: number | undefined): string[] {
  if (!slackUs) return command;
  return ['/bin/sh', '-c', `echo ${Math.round(slackUs * 1000)} 2>/dev/null > /proc/self/timerslack_ns; exec "$0" "$@"`, ...command];
}

/** Starts a detached JVM whose output goes to `<logs>/<name>.log`. */
export async function startProcess(
  spec: ProcessSpec,
  { java, stackDir, logsDir, cwd }: { java: JavaInfo; stackDir: string; logsDir: string; cwd: string },
): Promise<Started> {
  const logFile = logFileOf(logsDir, spec.name);
  for (const { host, port } of spec.ports) {
    // a process stopped a moment ago may still be letting go of its ports
    for (let i = 0; i < 20 && !(await isPortFree(host, port)); i++) await new Promise((r) => setTimeout(r, 500));
    if (!(await isPortFree(host, port))) {
      throw new StackError(
        spec.name,
        `port ${port} on ${host} is already in use by another process; stop it or configure another port (docs/configuration.md)`,
        { logFile },
      );
    }
  }
  fs.mkdirSync(logsDir, { recursive: true });
  fs.mkdirSync(cwd, { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n==== ${new Date().toISOString()} starting ${spec.name} ====\n`);
  const [bin, ...argv] = withTimerSlack([java.bin, ...javaArgv(spec, stackDir)], spec.timerSlackUs);
  const child = spawn(bin!, argv, {
    cwd,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, JAVA_HOME: java.home, ...spec.env },
  });
  fs.closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  child.unref();
  if (child.pid === undefined) {
    throw new StackError(spec.name, `could not start ${java.bin}`, { logFile });
  }
  return { pid: child.pid, exited, logFile };
}

/** Runs a short-lived Java tool in the foreground (storage format and the like). */
export async function runJava(
  java: JavaInfo,
  {
    name,
    mainClass,
    classpath,
    jvmOptions = [],
    args = [],
    logFile,
  }: {
    name: string;
    mainClass: string;
    classpath: string[];
    jvmOptions?: string[];
    args?: string[];
    logFile: string;
  },
): Promise<string> {
  return runLogged(name, java.bin, [...jvmOptions, '-cp', classpath.join(':'), mainClass, ...args], {
    logFile,
    env: { ...process.env, JAVA_HOME: java.home },
    what: mainClass,
  });
}

/**
 * Runs a short-lived command in the foreground; its output goes to `logFile` under a `==== name ====`
 * line. A failure is a StackError with the output's last lines, or `missing` when there is no such command.
 */
export async function runLogged(
  name: string,
  bin: string,
  args: readonly string[],
  { logFile, env, what = bin, missing }: { logFile: string; env?: NodeJS.ProcessEnv; what?: string; missing?: string },
): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(bin, args, { maxBuffer: 64 * 1024 * 1024, env });
    fs.appendFileSync(logFile, `\n==== ${name} ====\n${stdout}${stderr}`);
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: string };
    fs.appendFileSync(logFile, `\n==== ${name} (failed) ====\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    const why = e.code === 'ENOENT' && missing ? missing : lastLines(`${e.stderr ?? ''}${e.stdout ?? ''}`, 5);
    throw new StackError(name, `${what} failed: ${why}`, { logFile, cause: error });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 30_000): Promise<'stopped' | 'killed'> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  try {
    await waitFor(() => !alive(pid), { delayMs: 200, maxWaitMs: graceMs, description: `pid ${pid} exit` });
    return 'stopped';
  } catch {
    signal('SIGKILL');
    await waitFor(() => !alive(pid), { delayMs: 100, maxWaitMs: 10_000, description: `pid ${pid} exit after SIGKILL` });
    return 'killed';
  }
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** Lines that say why a process stopped: errors, exceptions and their causes, signals received (no stack frames). */
const ERROR_LINE = /\b(ERROR|FATAL)\b|Exception|Error\b|Caused by|SIG(TERM|KILL|INT|SEGV)|Terminating|OutOfMemory/;

export function lastErrorLines(text: string, count: number): string {
  return text
    .split('\n')
    .filter((line) => ERROR_LINE.test(line) && !/^\s+at /.test(line))
    .slice(-count)
    .join('\n');
}

export function tailFile(file: string, count: number): string {
  try {
    const size = fs.statSync(file).size;
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, buffer, 0, length, size - length);
    fs.closeSync(fd);
    return lastLines(buffer.toString('utf8'), count);
  } catch {
    return '';
  }
}
