/**
 * Rating events the benchmarks produce: a movie drawn uniformly from a catalogue (seeded), a rating
 * in half steps (or the one given), keyed by user as every producer of the topic keys it, and
 * single-object Avro encoded.
 */
import type { KeyedRecord } from '../../ingest/rating-sink.ts';
import { ratingEventId } from '../../ingest/ratings-csv.ts';
import { createCodec } from '../../schemas/avro.ts';
import type { RatingEvent } from '../../schemas/types.ts';
import { createRandom } from './zipf.ts';

export function createRandomRatings({ movies, seed, source }: { movies: readonly number[]; seed: number; source: RatingEvent['source'] }) {
  const codec = createCodec('rating-event');
  const random = createRandom(seed);
  return function ratingRecord(userId: number, ratedAt: number, given?: number): KeyedRecord {
    const movieId = movies[Math.floor(random() * movies.length)]!;
    const rating = given ?? 0.5 + Math.floor(random() * 10) / 2;
    const event: RatingEvent = { eventId: ratingEventId(userId, movieId, ratedAt), userId, movieId, rating, ratedAt, source, action: 'RATE' };
    return { key: Buffer.from(String(userId)), value: codec.encode(event) };
  };
}
