/**
 * The stack: observe what runs (from /proc), start what is missing, wait until each engine
 * answers through its own protocol, stop everything it started. `up` is idempotent.
 */
import fs from 'node:fs';
import { clientSecurityProperties } from '../schemas/client-security.ts';
import { StackError, describeError } from '../lib/errors.ts';
import { waitFor, withDeadline } from '../lib/wait-for.ts';
import { loadConfig, type StackConfig } from './config.ts';
import { engineContext, writePrivateFile, type Engine, type EngineName } from './engines/engine.ts';
import { ENGINES } from './engines/index.ts';
import { ensureImages, ensureNetwork, removeContainers, startContainer } from './containers.ts';
import { installEngines, isInstalled } from './install.ts';
import { findJava, listStackProcesses, logFileOf, residentMb, startProcess, stopProcess, tailFile, type Started } from './process.ts';

export interface StatusRow {
  engine: EngineName;
  process: string;
  pid: number | undefined;
  address: string;
  state: 'ready' | 'starting' | 'down' | 'installed' | 'not installed' | 'unreachable';
  memoryMb: number | undefined;
  detail: string;
}

export interface StackOptions {
  config?: StackConfig;
  engines?: readonly Engine[];
  log?: (line: string) => void;
}

/** Memory settings to suggest when a process runs out of memory. */
/** How long `status` waits for one engine's probe before it reports the engine unreachable. */
const PROBE_DEADLINE_MS = 10_000;

const MEMORY_KEYS: Record<EngineName, string> = {
  kafka: 'KAFKA_HEAP_MB',
  hdfs: 'HDFS_NAMENODE_HEAP_MB / HDFS_DATANODE_HEAP_MB',
  cassandra: 'CASSANDRA_HEAP_MB',
  flink: 'FLINK_JOBMANAGER_MB / FLINK_TASKMANAGER_MB',
  spark: 'SPARK_DRIVER_MB',
};

export function createStack({ config = loadConfig(), engines = ENGINES, log = console.log }: StackOptions = {}) {
  const byName = (names?: readonly string[]): Engine[] => {
    if (!names || names.length === 0) return [...engines];
    return names.map((n) => {
      const engine = engines.find((e) => e.name === n);
      if (!engine) throw new StackError(n, `unknown engine; expected one of ${engines.map((e) => e.name).join(', ')}`);
      return engine;
    });
  };

  async function probe(engine: Engine): Promise<{ ok: true; detail: string } | { ok: false; detail: string }> {
    try {
      // a frozen engine accepts connections and never answers: status must not hang on it
      return { ok: true, detail: await withDeadline(engine.probe(config), PROBE_DEADLINE_MS, `${engine.name} probe`) };
    } catch (error) {
      return { ok: false, detail: describeError(error).split('\n')[0] ?? 'unknown' };
    }
  }

  function processNamesOf(engine: Engine, java = { bin: 'java', home: '', major: 17 }): string[] {
    return engine.processes(engineContext(config, java, engine.name)).map((p) => p.name);
  }

  async function upExternal(selected: Engine[]): Promise<void> {
    // clusters are someone else's, but the client side of Spark (spark-submit) is installed here
    if (selected.some((e) => e.name === 'spark')) await installEngines(config, ['spark'], log);
    for (const engine of selected) {
      const detail = await waitFor(async () => engine.probe(config), {
        maxWaitMs: Math.min(config.readyTimeoutMs, 30_000),
        delayMs: 1000,
        description: `${engine.name} at ${engine.address(config)}`,
      }).catch((error: unknown) => {
        throw new StackError(engine.name, `external ${engine.name} at ${engine.address(config)} does not answer`, { cause: error });
      });
      await engine.provision?.(config);
      log(`${engine.name.padEnd(10)} external  ${engine.address(config)}  ${detail}`);
    }
  }

  async function up(names?: readonly string[]): Promise<void> {
    const selected = byName(names);
    if (config.mode === 'external') return upExternal(selected);
    const started = Date.now();
    const java = await findJava(config.javaHome);
    await installEngines(
      config,
      selected.map((e) => e.name),
      log,
    );
    for (const dir of Object.values(config.dirs)) fs.mkdirSync(dir, { recursive: true });
    writeJobsClientSecurity(config);
    const containers = config.mode === 'containers';
    if (containers) {
      await ensureImages(
        config,
        selected.map((e) => e.name),
        log,
      );
      await ensureNetwork(config);
      // what a killed run left behind: crashed engines, finished spark-submits
      const removed = await removeContainers(config, undefined, { endedOnly: true });
      if (removed.length > 0) log(`removed ended containers: ${removed.join(', ')}`);
    }

    const running = listStackProcesses(config.stackDir);
    const launched: { engine: Engine; name: string; started: Started }[] = [];
    try {
      for (const engine of selected) {
        const ctx = engineContext(config, java, engine.name);
        const isMissing = (name: string) => !running.some((r) => r.name === name);
        if (!engine.processes(ctx).some((s) => isMissing(s.name))) continue;
        // prepare first: it writes the config (and Flink's memory flags) the process specs read
        await engine.prepare?.(ctx);
        for (const spec of engine.processes(ctx).filter((s) => isMissing(s.name))) {
          log(`${engine.name.padEnd(10)} starting ${spec.name}`);
          launched.push({
            engine,
            name: spec.name,
            started: containers
              ? await startContainer(spec, { config, engine: engine.name, cwd: ctx.dataDir })
              : await startProcess(spec, { java, stackDir: config.stackDir, logsDir: config.dirs.logs, cwd: ctx.dataDir }),
          });
        }
      }
      await Promise.all(
        selected.map((engine) =>
          waitReady(
            engine,
            launched.filter((l) => l.engine === engine),
          ),
        ),
      );
    } catch (error) {
      // leave nothing half-started behind: stop what this call started
      await Promise.all(launched.map((l) => stopProcess(l.started.pid, 10_000).catch(() => undefined)));
      throw error;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log(launched.length === 0 ? `stack already up (checked in ${seconds} s)` : `stack up in ${seconds} s`);
  }

  async function waitReady(engine: Engine, launched: { name: string; started: Started }[]): Promise<void> {
    const ctrl = new AbortController();
    const exits = launched.map(({ name, started }) =>
      started.exited.then((code) => {
        if (ctrl.signal.aborted) return undefined as never;
        const tail = tailFile(started.logFile, 15);
        const oom = /OutOfMemoryError|Cannot allocate memory|insufficient memory/i.test(tail);
        const portTaken = /Address already in use|BindException/i.test(tail);
        const why = oom
          ? `ran out of memory (raise ${MEMORY_KEYS[engine.name]})`
          : portTaken
            ? 'could not bind its port (already in use)'
            : `exited with code ${code} while starting`;
        throw new StackError(name, `${why}; last log lines:\n${tail}`, { logFile: started.logFile });
      }),
    );
    const logFile = launched[0]?.started.logFile ?? logFileOf(config.dirs.logs, engine.name);
    try {
      const detail = await Promise.race([
        waitFor(async () => engine.probe(config), {
          maxWaitMs: config.readyTimeoutMs,
          delayMs: 1000,
          description: `${engine.name} readiness`,
          signal: ctrl.signal,
        }).catch((error: unknown) => {
          if (ctrl.signal.aborted) throw error;
          const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : 'no answer';
          throw new StackError(engine.name, `did not become ready within ${config.readyTimeoutMs / 1000} s (last check: ${reason})`, { logFile, cause: error });
        }),
        ...exits,
      ]);
      await engine.provision?.(config);
      if (launched.length > 0) log(`${engine.name.padEnd(10)} ready: ${detail}`);
    } finally {
      ctrl.abort();
    }
  }

  async function down(names?: readonly string[]): Promise<void> {
    if (config.mode === 'external') {
      log('STACK=external: nothing was started here, so nothing is stopped');
      return;
    }
    const selected = byName(names);
    const wanted = new Set(selected.flatMap((e) => processNamesOf(e)));
    const targets = listStackProcesses(config.stackDir).filter((p) => wanted.has(p.name) || !names?.length);
    // containers (and the network with the last of them) go too, stopped or crashed ones included
    const removeStopped = async () => {
      if (config.mode !== 'containers') return;
      const removed = await removeContainers(config, names?.length ? [...wanted] : undefined);
      if (removed.length > 0) log(`removed containers: ${removed.join(', ')}`);
    };
    if (targets.length === 0) {
      await removeStopped();
      log('nothing running');
      return;
    }
    // engine by engine in reverse start order (Flink, Kafka, Cassandra, HDFS), then anything unknown
    const groups = [...engines].reverse().map((e) => targets.filter((t) => processNamesOf(e).includes(t.name)));
    groups.push(targets.filter((t) => !groups.flat().includes(t)));
    for (const group of groups) {
      await Promise.all(
        group.map(async (p) => {
          const how = await stopProcess(p.pid);
          log(`${p.name.padEnd(18)} ${how} (pid ${p.pid})`);
        }),
      );
    }
    const left = listStackProcesses(config.stackDir).filter((p) => targets.some((t) => t.pid === p.pid));
    if (left.length > 0) throw new StackError('stack', `processes still running after stop: ${left.map((p) => `${p.name} (${p.pid})`).join(', ')}`);
    await removeStopped();
  }

  async function status(): Promise<StatusRow[]> {
    const running = config.mode === 'external' ? [] : listStackProcesses(config.stackDir);
    const rows: StatusRow[] = [];
    await Promise.all(
      engines.map(async (engine) => {
        const names = processNamesOf(engine);
        const probed = names.length > 0 || config.mode === 'external' ? await probe(engine) : undefined;
        if (names.length === 0) {
          const state = config.mode === 'external' ? (probed?.ok ? 'ready' : 'unreachable') : isInstalled(config, engine.name) ? 'installed' : 'not installed';
          rows.push({
            engine: engine.name,
            process: 'spark-submit',
            pid: undefined,
            address: engine.address(config),
            state,
            memoryMb: undefined,
            detail: probed?.detail ?? '',
          });
          return;
        }
        if (config.mode === 'external') {
          rows.push({
            engine: engine.name,
            process: '(external)',
            pid: undefined,
            address: engine.address(config),
            state: probed!.ok ? 'ready' : 'unreachable',
            memoryMb: undefined,
            detail: probed!.detail,
          });
          return;
        }
        for (const name of names) {
          const proc = running.find((r) => r.name === name);
          rows.push({
            engine: engine.name,
            process: name,
            pid: proc?.pid,
            address: engine.address(config),
            state: !proc ? 'down' : probed!.ok ? 'ready' : 'starting',
            memoryMb: proc ? residentMb(proc.pid) : undefined,
            detail: proc ? probed!.detail : '',
          });
        }
      }),
    );
    const order = engines.map((e) => e.name);
    return rows.sort((a, b) => order.indexOf(a.engine) - order.indexOf(b.engine));
  }

  async function restart(names: readonly string[]): Promise<void> {
    await down(names);
    await up(names);
  }

  /** Stops everything and deletes data, logs and generated config; the installed engines stay. */
  async function reset(): Promise<void> {
    await down();
    for (const dir of [config.dirs.data, config.dirs.logs, config.dirs.conf, config.dirs.tmp]) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    log(`removed data, logs and config under ${config.stackDir}`);
  }

  function logs(name: string, lines = 80): string {
    const engine = engines.find((e) => e.name === name);
    const names = engine ? processNamesOf(engine) : [name];
    return names.map((n) => `==> ${logFileOf(config.dirs.logs, n)} <==\n${tailFile(logFileOf(config.dirs.logs, n), lines) || '(empty)'}`).join('\n\n');
  }

  return { config, up, down, status, restart, reset, logs };
}

export type Stack = ReturnType<typeof createStack>;

/**
 * The local stack's client security file for the JVM jobs (JOBS_CLIENT_SECURITY_FILE), written
 * from this configuration, mode 0600. On external clusters the operator provides it on the JobManager.
 */
export function writeJobsClientSecurity(config: StackConfig): void {
  const file = config.flink.clientSecurityFile;
  if (config.mode === 'external' || !file) return;
  writePrivateFile(file, clientSecurityProperties(config.kafka.security, config.cassandra));
}

export function formatStatus(rows: StatusRow[]): string {
  const header = ['engine', 'process', 'pid', 'address', 'state', 'memory', 'detail'];
  const cells = rows.map((r) => [
    r.engine,
    r.process,
    r.pid?.toString() ?? '-',
    r.address,
    r.state,
    r.memoryMb === undefined ? '-' : `${r.memoryMb} MiB`,
    r.detail,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
