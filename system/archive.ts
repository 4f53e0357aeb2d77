/**
 * Reads back the archive the Flink archive job writes (schemas/archive.ts): how often each event
 * landed there. Files being written (hidden, `.part-*`) are not counted: only what the batch layer
 * would read. A malformed line is an error naming its file.
 */
import { PipelineError } from '../lib/errors.ts';
import type { WebHdfs } from '../lib/webhdfs.ts';
import { isFinishedPart, parseArchiveLine } from '../schemas/archive.ts';

export async function archivedEvents(hdfs: WebHdfs, archivePath: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (!(await hdfs.exists(archivePath))) return counts;
  for (const day of await hdfs.list(archivePath)) {
    if (day.type !== 'DIRECTORY') continue;
    for (const file of await hdfs.list(`${archivePath}/${day.pathSuffix}`)) {
      if (!isFinishedPart(file.pathSuffix)) continue;
      const name = `${archivePath}/${day.pathSuffix}/${file.pathSuffix}`;
      for (const line of (await hdfs.readFile(name)).toString().split('\n')) {
        if (!line) continue;
        let eventId: string;
        try {
          ({ eventId } = parseArchiveLine(line));
        } catch (error) {
          throw new PipelineError(`${name}: ${(error as Error).message}`, { cause: error });
        }
        counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
      }
    }
  }
  return counts;
}
