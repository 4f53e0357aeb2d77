/**
 * STACK=containers: the stack's processes as containers, through testcontainers and a Docker
 * engine. Each process runs the same JVM command line as with STACK=local, in an image of its
 * engine (the installed Maven jars on a Java 17 base), on one user-defined network where it has a
 * fixed address (config.ts, CONTAINER_HOSTS); `conf/`, `data/`, `logs/` and `tmp/` of the state
 * folder are mounted at the same paths. The JVM keeps its `-Dmoviereco.*` marks, so `status`,
 * `down` and the drills find a container's process in /proc as they find a local one.
 *
 * Images need no registry: the base is Debian made here by debootstrap (or STACK_CONTAINERS_BASE_IMAGE),
 * and every image is tagged with a hash of what it is made of, so it is built once and again only
 * when a pinned version changes. Nothing is left behind without testcontainers' reaper: containers
 * and the network carry the state folder in a label and are removed by `down` and by the next `up`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { GenericContainer, getContainerRuntimeClient, ImageName, type ContainerRuntimeClient } from 'testcontainers';
import { StackError } from '../lib/errors.ts';
import type { StackConfig } from './config.ts';
import type { EngineName } from './engines/engine.ts';
import { installKey } from './install.ts';
import { javaArgv, logFileOf, runLogged, withTimerSlack, type ProcessSpec, type Started } from './process.ts';

// the reaper (Ryuk) removes what a test process made when that process exits: the stack outlives
// the `up` that starts it, and the reaper's image cannot be pulled where no registry is reachable
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

const STACK_LABEL = 'moviereco.stack';
const PROCESS_LABEL = 'moviereco.process';
/** where an engine's jars are in its image */
const IMAGE_LIB = '/opt/moviereco/lib';
/** the base image made by debootstrap: Debian 12 with Java 17 */
const DEBIAN_SUITE = 'bookworm';
const BASE_PACKAGES = ['openjdk-17-jre-headless'];

type Config = StackConfig & { containers: NonNullable<StackConfig['containers']> };

function containersOf(config: StackConfig): Config {
  if (!config.containers) throw new StackError('containers', `STACK=${config.mode}: no containers to manage`);
  return config as Config;
}

function shortHash(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part}\0`);
  return hash.digest('hex').slice(0, 12);
}

/** Names are per state folder; a second stack on one Docker engine needs a subnet of its own too. */
export function networkName(config: StackConfig): string {
  return `moviereco-${shortHash(config.stackDir)}`;
}

export function containerName(config: StackConfig, process: string): string {
  return `${networkName(config)}-${process}`;
}

export function baseImage(config: StackConfig): string {
  return containersOf(config).containers.baseImage ?? `moviereco/base:${shortHash(DEBIAN_SUITE, ...BASE_PACKAGES)}`;
}

export function engineImage(config: StackConfig, engine: EngineName): string {
  return `moviereco/${engine}:${shortHash(installKey(engine), baseImage(config))}`;
}

async function runtime(): Promise<ContainerRuntimeClient> {
  try {
    return await getContainerRuntimeClient();
  } catch (error) {
    throw new StackError(
      'containers',
      'STACK=containers needs a Docker engine, and none answers (DOCKER_HOST or /var/run/docker.sock). On Debian: apt-get install docker.io, then start dockerd; or use STACK=local (processes, no Docker)',
      { cause: error },
    );
  }
}

/** A tool the base image is made with, its output in the containers' log. */
async function run(command: string, args: string[], logFile: string): Promise<void> {
  await runLogged(command, command, args, { logFile, missing: `${command} is not installed (Debian: apt-get install ${command})` });
}

/** Builds `tag` from a folder with a Dockerfile; testcontainers does not fail on a failed build, so this checks. */
async function buildImage(client: ContainerRuntimeClient, context: string, tag: string): Promise<void> {
  await client.image.build(context, { t: tag, dockerfile: 'Dockerfile', labels: { [STACK_LABEL]: 'image' } });
  if (!(await client.image.exists(ImageName.fromString(tag)))) {
    throw new StackError('containers', `the image ${tag} was not built (docker build ${context} fails)`);
  }
}

/** Debian by debootstrap, turned into an image from a tar file (no registry involved). */
async function buildBaseImage(config: Config, client: ContainerRuntimeClient, tag: string, log: (line: string) => void): Promise<void> {
  const work = path.join(config.dirs.tmp, 'base-image');
  const rootfs = path.join(work, 'rootfs');
  const logFile = logFileOf(config.dirs.logs, 'containers');
  const started = Date.now();
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  try {
    log(`containers building ${tag}: Debian ${DEBIAN_SUITE} with ${BASE_PACKAGES.join(', ')} by debootstrap from ${config.containers.debianMirror} (once)`);
    await run('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, DEBIAN_SUITE, rootfs, config.containers.debianMirror], logFile);
    await run('tar', ['-C', rootfs, '-cf', path.join(work, 'rootfs.tar'), '.'], logFile);
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.writeFileSync(path.join(work, 'Dockerfile'), 'FROM scratch\nADD rootfs.tar /\nCMD ["java", "-version"]\n');
    await buildImage(client, work, tag);
    log(`containers built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The images of the given engines (and their base), each built only if missing. */
export async function ensureImages(config: StackConfig, engines: readonly EngineName[], log: (line: string) => void): Promise<void> {
  const c = containersOf(config);
  const client = await runtime();
  const base = baseImage(c);
  const exists = (tag: string) => client.image.exists(ImageName.fromString(tag));
  const missing: EngineName[] = [];
  for (const engine of engines) if (!(await exists(engineImage(c, engine)))) missing.push(engine);
  if (missing.length === 0) return;
  if (!(await exists(base))) {
    if (c.containers.baseImage) {
      log(`containers pulling ${base}`);
      await client.image.pull(ImageName.fromString(base));
    } else {
      await buildBaseImage(c, client, base, log);
    }
  }
  for (const engine of missing) {
    const started = Date.now();
    const context = path.join(c.dirs.lib, engine);
    fs.writeFileSync(path.join(context, 'Dockerfile'), `FROM ${base}\nCOPY . ${IMAGE_LIB}/${engine}/\n`);
    fs.writeFileSync(path.join(context, '.dockerignore'), 'Dockerfile\n.dockerignore\n');
    await buildImage(client, context, engineImage(c, engine));
    log(`containers built ${engineImage(c, engine)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** The user-defined network, made once; one with another subnet is an error, not a surprise. */
export async function ensureNetwork(config: StackConfig): Promise<void> {
  const c = containersOf(config);
  const client = await runtime();
  const name = networkName(c);
  const found = await client.container.dockerode.listNetworks({ filters: { name: [name] } });
  const existing = found.find((n) => n.Name === name);
  // fixed addresses are in the lower half; containers without one (spark-submit) get theirs from the upper
  const ipam = { Subnet: c.containers.subnet, IPRange: c.containers.subnet.replace(/0\/24$/, '128/25') };
  if (existing) {
    const found = existing.IPAM?.Config?.[0];
    if (found?.Subnet !== ipam.Subnet || found?.IPRange !== ipam.IPRange) {
      throw new StackError(
        'containers',
        `the network ${name} has subnet ${found?.Subnet} (range ${found?.IPRange}), the configuration asks for ${ipam.Subnet} (range ${ipam.IPRange}): npm run stack -- down removes it`,
      );
    }
    return;
  }
  await client.network
    .create({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: { Driver: 'default', Config: [ipam] },
      Labels: { [STACK_LABEL]: c.stackDir },
    })
    .catch((error: unknown) => {
      throw new StackError(
        'containers',
        `could not make the network ${name} on ${ipam.Subnet}: another network (another stack's?) may use that subnet; set STACK_CONTAINERS_SUBNET to a free /24`,
        { cause: error },
      );
    });
}

/** A container with a fixed address on a user-defined network (testcontainers sets only aliases). */
class AddressedContainer extends GenericContainer {
  constructor(image: string, network: string, address: string) {
    super(image);
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: address } } } };
  }
}

/** Starts a process of the stack as a container; its output goes to `<logs>/<name>.log` as a local one's does. */
export async function startContainer(spec: ProcessSpec, { config, engine, cwd }: { config: StackConfig; engine: EngineName; cwd: string }): Promise<Started> {
  const c = containersOf(config);
  const address = c.containers.hostOf(spec.name);
  if (!address) throw new StackError(spec.name, 'has no address on the containers network (config.ts, CONTAINER_HOSTS)');
  const client = await runtime();
  // by name, whatever its state: a container whose JVM was just killed can still show as running
  // (up's sweep keeps those), and its name must be free for the new one
  await removeContainers(c, [spec.name]);
  const logFile = logFileOf(c.dirs.logs, spec.name);
  fs.mkdirSync(cwd, { recursive: true });
  fs.appendFileSync(logFile, `\n==== ${new Date().toISOString()} starting ${spec.name} (container) ====\n`);
  const started = await stackContainer(c, new AddressedContainer(engineImage(c, engine), networkName(c), address), { process: spec.name, env: spec.env })
    .withName(containerName(c, spec.name))
    .withWorkingDir(cwd)
    .withCommand(
      withTimerSlack(['sh', '-c', 'exec "$@" >> "$0" 2>&1', logFile, 'java', ...javaArgv(spec, c.stackDir).map((a) => inImage(c, a))], spec.timerSlackUs),
    )
    .start();
  const { pid, wait } = await processOf(client, started.getId());
  return { pid, exited: wait, logFile };
}

/** The jars are in the image; everything else a command line names is in the mounted folders. */
function inImage(config: Config, value: string): string {
  return value.replaceAll(config.dirs.lib, IMAGE_LIB);
}

/** What every container of the stack has: labels, this user, and the state folder's conf, data, logs and tmp at their own paths. */
function stackContainer<T extends GenericContainer>(
  config: Config,
  container: T,
  { process, env = {}, readOnly = [] }: { process: string; env?: Record<string, string>; readOnly?: readonly string[] },
): T {
  const mounts = [config.dirs.conf, config.dirs.data, config.dirs.logs, config.dirs.tmp].map((dir): { source: string; target: string; mode: 'rw' | 'ro' } => {
    fs.mkdirSync(dir, { recursive: true });
    return { source: dir, target: dir, mode: 'rw' };
  });
  mounts.push(...readOnly.map((dir) => ({ source: dir, target: dir, mode: 'ro' as const })));
  return container
    .withLabels({ [STACK_LABEL]: config.stackDir, [PROCESS_LABEL]: process })
    .withUser(`${globalThis.process.getuid?.() ?? 0}:${globalThis.process.getgid?.() ?? 0}`)
    .withEnvironment({ HOME: config.dirs.tmp, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, inImage(config, v)])) })
    .withBindMounts(mounts)
    .withAutoRemove(false);
}

/** The container's process as the host sees it (its pid, 0 once gone) and its exit status. */
async function processOf(client: ContainerRuntimeClient, id: string): Promise<{ pid: number; wait: Promise<number> }> {
  const container = client.container.getById(id);
  const pid = (await client.container.inspect(container)).State.Pid;
  const wait = (container.wait() as Promise<{ StatusCode: number }>).then(
    (r) => r.StatusCode,
    () => -1,
  );
  return { pid, wait };
}

/**
 * spark-submit's JVM (a job's driver, and with local[N] its executors too) in a container of the
 * Spark image on the stack's network; its output reaches `onLine` line by line. The container is
 * removed once it has ended; `pid` is the JVM's on the host, so a caller can kill it as a local one.
 */
export async function startSparkContainer(
  config: StackConfig,
  { argv, env, readOnly, onLine }: { argv: string[]; env: Record<string, string>; readOnly: string[]; onLine: (line: string) => void },
): Promise<{ pid: number; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const c = containersOf(config);
  const client = await runtime();
  let output: Promise<void> = Promise.resolve();
  const started = await stackContainer(c, new GenericContainer(engineImage(c, 'spark')), { process: 'spark-submit', env, readOnly })
    .withNetworkMode(networkName(c))
    .withName(`${networkName(c)}-spark-submit-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
    .withWorkingDir(c.dirs.tmp)
    .withLogConsumer((stream) => {
      output = new Promise((resolve) => readline.createInterface({ input: stream }).on('line', onLine).once('close', resolve));
    })
    .withCommand(['java', ...argv.map((a) => inImage(c, a))])
    .start();
  const { pid, wait } = await processOf(client, started.getId());
  const exited = wait.then(async (status) => {
    await Promise.race([output, new Promise((r) => setTimeout(r, 5000))]);
    await client.container.dockerode
      .getContainer(started.getId())
      .remove({ force: true })
      .catch(() => undefined);
    // a JVM ended by a signal ends its container with 128 + the signal's number
    if (status === 137) return { code: null, signal: 'SIGKILL' as const };
    if (status === 143) return { code: null, signal: 'SIGTERM' as const };
    return { code: status, signal: null };
  });
  return { pid: pid > 0 ? pid : -1, exited };
}

/**
 * Removes the stack's containers (the named processes', or all; only those that have ended with
 * `endedOnly`) whatever their state, and with all of them the network.
 */
export async function removeContainers(config: StackConfig, processes?: readonly string[], { endedOnly = false } = {}): Promise<string[]> {
  const client = await runtime();
  const dockerode = client.container.dockerode;
  const listed = await dockerode.listContainers({ all: true, filters: { label: [`${STACK_LABEL}=${config.stackDir}`] } });
  const doomed = listed.filter((c) => (!processes || processes.includes(c.Labels[PROCESS_LABEL] ?? '')) && (!endedOnly || c.State !== 'running'));
  await Promise.all(doomed.map((c) => dockerode.getContainer(c.Id).remove({ force: true })));
  if (!processes && !endedOnly) {
    const networks = await dockerode.listNetworks({ filters: { label: [`${STACK_LABEL}=${config.stackDir}`] } });
    await Promise.all(networks.map((n) => dockerode.getNetwork(n.Id).remove()));
  }
  return doomed.map((c) => c.Labels[PROCESS_LABEL] ?? c.Id);
}

/** The Docker engine's version, or undefined when none answers. */
export async function dockerEngineVersion(): Promise<string | undefined> {
  try {
    const client = await getContainerRuntimeClient();
    return String(client.info.containerRuntime.serverVersion);
  } catch {
    return undefined;
  }
}

export interface StackContainer {
  process: string;
  name: string;
  image: string;
  state: string;
  /** its address on the stack's network */
  address: string | undefined;
}

/** The stack's containers, whatever their state. */
export async function listContainers(config: StackConfig): Promise<StackContainer[]> {
  const client = await runtime();
  const listed = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${STACK_LABEL}=${config.stackDir}`] } });
  return listed.map((c) => ({
    process: c.Labels[PROCESS_LABEL] ?? '',
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    state: c.State,
    address: c.NetworkSettings?.Networks?.[networkName(config)]?.IPAMConfig?.IPv4Address ?? c.NetworkSettings?.Networks?.[networkName(config)]?.IPAddress,
  }));
}

/**
 * The subnet this stack's network has, if it exists, and those of the engine's other networks: a
 * caller that may choose the subnet (the containers tests) keeps its own and avoids the others.
 */
export async function networkSubnets(config: StackConfig): Promise<{ own: string | undefined; others: string[] }> {
  const client = await runtime();
  const networks = await client.container.dockerode.listNetworks();
  const subnetsOf = (n: (typeof networks)[number]) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : []));
  return {
    own: networks.filter((n) => n.Name === networkName(config)).flatMap(subnetsOf)[0],
    others: networks.filter((n) => n.Name !== networkName(config)).flatMap(subnetsOf),
  };
}

/** An IPv4 CIDR as its first address and size; undefined for anything else (IPv6). */
function ipv4Range(cidr: string): { start: number; size: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const bits = Number(m[5]);
  const size = 2 ** (32 - bits);
  const address = ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]);
  return { start: address - (address % size), size };
}

/**
 * The first /24 from `preferred` upwards, in its /16, that overlaps none of `taken`
 * (CIDRs; IPv6 ones are ignored), or undefined if every one does.
 */
export function freeSubnet(preferred: string, taken: readonly string[]): string | undefined {
  const first = ipv4Range(preferred);
  if (first?.size !== 256) throw new StackError('containers', `expected a /24 such as 172.29.42.0/24, got ${preferred}`);
  const ranges = taken.flatMap((t) => ipv4Range(t) ?? []);
  const overlaps = (start: number) => ranges.some((r) => start < r.start + r.size && r.start < start + 256);
  const end = first.start - (first.start % 65_536) + 65_536;
  for (let start = first.start; start < end; start += 256) {
    if (!overlaps(start)) return `${[start >>> 24, (start >>> 16) & 255, (start >>> 8) & 255, 0].join('.')}/24`;
  }
  return undefined;
}

/** Whether the stack's network exists. */
export async function hasNetwork(config: StackConfig): Promise<boolean> {
  const client = await runtime();
  const found = await client.container.dockerode.listNetworks({ filters: { name: [networkName(config)] } });
  return found.some((n) => n.Name === networkName(config));
}
