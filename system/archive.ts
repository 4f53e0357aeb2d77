/**
 * Reads back the archive the Flink archive job writes (ARCHIVE_PATH/date=YYYY-MM-DD/part-*, rows
 * `userId,movieId,rating,ratedAtMillis,eventId`): how often each event landed there. Files being
 * written (hidden, `.part-*`) are not counted: only what the batch layer would read.
 */
import type { WebHdfs } from '../lib/webhdfs.ts';

export async function archivedEvents(hdfs: WebHdfs, archivePath: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (!(await hdfs.exists(archivePath))) return counts;
  for (const day of await hdfs.list(archivePath)) {
    if (day.type !== 'DIRECTORY') continue;
    for (const file of await hdfs.list(`${archivePath}/${day.pathSuffix}`)) {
      if (file.pathSuffix.startsWith('.') || file.pathSuffix.startsWith('_')) continue;
      for (const line of (await hdfs.readFile(`${archivePath}/${day.pathSuffix}/${file.pathSuffix}`)).toString().split('\n')) {
        const eventId = line.split(',')[4];
        if (eventId) counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
      }
    }
  }
  return counts;
}
