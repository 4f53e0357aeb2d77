/**
 * The archive of streamed ratings in HDFS: the TypeScript owner of the line format whose Java owner
 * is `moviereco.contracts.ArchiveLine` (the Flink archive job writes it, the Spark batch job reads
 * it). `ARCHIVE_PATH/date=YYYY-MM-DD/part-*`, one rating per line:
 * `userId,movieId,rating,ratedAtMillis,eventId`; a rating of 0 (`DELETED`, written `0.0`) is the
 * deletion of the user's rating of the movie at ratedAtMillis (`isDeletion`). Files being written
 * are hidden (`.part-*`).
 */
import { z } from 'zod';
import { ContractError, integerField, javaFloatString, numberField } from './java-text.ts';
import { DELETED } from './rating-rule.ts';

/** The one declaration of where the archive is: the speed layer writes there, the batch layer reads there. */
export const archiveSettings = {
  /** HDFS folder of the archived events */
  ARCHIVE_PATH: z
    .string()
    .regex(/^\/[\w./=-]*$/)
    .default('/events/ratings'),
};

export interface ArchivedRating {
  userId: number;
  movieId: number;
  rating: number;
  ratedAtMillis: number;
  eventId: string;
}

/** Whether an archived line is a deletion, not a rating. */
export function isDeletion(r: ArchivedRating): boolean {
  return r.rating === DELETED;
}

export function formatArchiveLine(r: ArchivedRating): string {
  if (!r.eventId || r.eventId.includes(',')) throw new ContractError(`eventId '${r.eventId}' is empty or holds a comma`);
  return `${r.userId},${r.movieId},${javaFloatString(r.rating)},${r.ratedAtMillis},${r.eventId}`;
}

/** A line of the archive, or a ContractError saying which field is wrong. */
export function parseArchiveLine(line: string): ArchivedRating {
  const cells = line.split(',');
  if (cells.length !== 5) throw new ContractError(`expected 5 fields (userId,movieId,rating,ratedAtMillis,eventId), got ${cells.length}`);
  const [u, m, r, t, eventId] = cells as [string, string, string, string, string];
  const value = {
    userId: integerField('userId', u),
    movieId: integerField('movieId', m),
    rating: Math.fround(numberField('rating', r)),
    ratedAtMillis: integerField('ratedAtMillis', t),
    eventId,
  };
  if (!eventId) throw new ContractError('eventId is empty');
  return value;
}

/** Whether a file name in a day folder is a finished part file (not one being written, nor a marker). */
export function isFinishedPart(name: string): boolean {
  return !name.startsWith('.') && !name.startsWith('_');
}
