/**
 * The Kafka topics between the layers, declared once: the ingest side and the API produce ratings,
 * the jobs consume them and dead-letter what they cannot read, the batch layer announces models.
 * Every component that names a topic takes it from these settings (docs/configuration.md).
 */
import { z } from 'zod';

const topicName = z.string().regex(/^[\w.-]{1,249}$/, 'a Kafka topic name: letters, digits, . _ -');

export const topicSettings = {
  /** rating events (Avro RatingEvent), keyed by user */
  JOBS_TOPIC_RATINGS: topicName.default('ratings'),
  /** model announcements (Avro ModelPublished), keyed by model name */
  JOBS_TOPIC_MODEL_UPDATES: topicName.default('model-updates'),
  /** what the jobs could not decode or found invalid (Avro DeadLetter) */
  JOBS_TOPIC_DLQ: topicName.default('ratings-dlq'),
};

/**
 * Topic settings the product relies on. Model announcements are compacted: the latest one per model
 * name stays for good, so a speed job deployed long after the last batch still finds the current
 * model (with the default 7-day retention it found none).
 */
export const MODEL_UPDATES_TOPIC_CONFIG: Readonly<Record<string, string>> = { 'cleanup.policy': 'compact' };

export interface Topics {
  ratings: string;
  updates: string;
  dlq: string;
}

export function topicsFrom(e: { JOBS_TOPIC_RATINGS: string; JOBS_TOPIC_MODEL_UPDATES: string; JOBS_TOPIC_DLQ: string }): Topics {
  return { ratings: e.JOBS_TOPIC_RATINGS, updates: e.JOBS_TOPIC_MODEL_UPDATES, dlq: e.JOBS_TOPIC_DLQ };
}
