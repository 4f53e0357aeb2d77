/**
 * Retained checkpoints on the file system, found by job name: what a job can resume from after
 * the JobManager forgot it (a JobManager restart without HA lists no earlier run). Each job writes
 * its checkpoints to `<FLINK_CHECKPOINTS_DIR>/<job name>/<job id>/chk-N/` (`--checkpoint.dir`,
 * `jobs.ts`); a checkpoint is complete when its folder holds `_metadata`, which Flink writes last.
 *
 * Only `file://` directories are looked into (the local stack). For any other scheme (hdfs://,
 * s3://) nothing is found yet: `newestRetainedCheckpoint` logs one line saying so and returns
 * undefined, and such a job starts without state unless deployed `--from` a checkpoint by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface RetainedCheckpoint {
  /** the checkpoint's folder as a URI, what Flink restores from (`savepointPath`) */
  path: string;
  /** the id of the run that wrote it */
  jobId: string;
  /** N of chk-N */
  checkpointId: number;
  /** when its `_metadata` was written (ms) */
  at: number;
}

async function entries(dir: string): Promise<fs.Dirent[]> {
  try {
    return await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The newest complete checkpoint of one run's folder (highest N with a `_metadata`). */
async function newestOfRun(runDir: string, jobId: string): Promise<RetainedCheckpoint | undefined> {
  const ids = (await entries(runDir))
    .filter((e) => e.isDirectory() && /^chk-\d+$/.test(e.name))
    .map((e) => Number(e.name.slice(4)))
    .sort((a, b) => b - a);
  for (const id of ids) {
    const dir = path.join(runDir, `chk-${id}`);
    const metadata = await fs.promises.stat(path.join(dir, '_metadata')).catch(() => undefined);
    if (metadata?.isFile()) return { path: pathToFileURL(dir).href, jobId, checkpointId: id, at: metadata.mtimeMs };
  }
  return undefined;
}

/**
 * The newest complete retained checkpoint of the job `jobName` below `checkpointsDir` (a URI):
 * across the job's run folders (one per job id), the one whose `_metadata` was written last (a
 * tie goes to the higher N); a `chk-N` without `_metadata` was cut short and is skipped.
 */
export async function newestRetainedCheckpoint(
  checkpointsDir: string,
  jobName: string,
  log: (line: string) => void = () => {},
): Promise<RetainedCheckpoint | undefined> {
  if (!checkpointsDir.startsWith('file:')) {
    log(
      `retained checkpoints of ${jobName} under ${checkpointsDir} are not looked for: only file:// is supported yet (deploy --from <checkpoint> resumes by hand)`,
    );
    return undefined;
  }
  const jobDir = path.join(fileURLToPath(checkpointsDir), jobName);
  const runs = (await entries(jobDir)).filter((e) => e.isDirectory() && /^[0-9a-f]{32}$/.test(e.name));
  const found = (await Promise.all(runs.map((r) => newestOfRun(path.join(jobDir, r.name), r.name)))).filter((c) => c !== undefined);
  return found.sort((a, b) => b.at - a.at || b.checkpointId - a.checkpointId)[0];
}
