/**
 * Replays a MovieLens ratings.csv into Kafka.
 *
 *   npm run replay -- <ratings.csv> [--rate 500] [--speedup 3600] [--from 2015-01-01] [--until 2016-01-01]
 *                     [--limit 1000] [--topic ratings] [--client direct|platformatic|kafkajs] [--rejects file.jsonl]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../infra/config.ts';
import { createRatingSink, SINK_CLIENTS } from '../ingest/rating-sink.ts';
import { replayRatings } from '../ingest/replay.ts';
import { ConfigError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';
import { createCodec } from '../schemas/avro.ts';
import { kafkaClient, loginRefused } from '../lib/platform.ts';
import { parseEnv } from '../lib/env-config.ts';
import { topicSettings, topicsFrom } from '../schemas/topics.ts';

const instant = z.string().transform((s, ctx) => {
  const ms = /^-?\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s);
  if (Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: `not a date or epoch seconds: ${s}` });
  return ms;
});

const Options = z.object({
  file: z.string().min(1),
  rate: z.coerce.number().positive().optional(),
  speedup: z.coerce.number().positive().optional(),
  from: instant.optional(),
  until: instant.optional(),
  limit: z.coerce.number().int().positive().optional(),
  /** default: the product's ratings topic (JOBS_TOPIC_RATINGS) */
  topic: z.string().optional(),
  client: z.enum(SINK_CLIENTS).default('direct'),
  rejects: z.string().optional(),
  // a batch's records for one partition must stay under the broker's 1 MiB message.max.bytes
  batch: z.coerce.number().int().positive().max(15_000).default(10_000),
});

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: Object.fromEntries(
      ['rate', 'speedup', 'from', 'until', 'limit', 'topic', 'client', 'rejects', 'batch'].map((k) => [k, { type: 'string' }]),
    ) as Record<string, { type: 'string' }>,
  });
  const parsed = Options.safeParse({ ...values, file: positionals[0] });
  if (!parsed.success)
    throw new ConfigError(
      'usage: npm run replay -- <ratings.csv> [options]',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`),
    );
  const o = parsed.data;
  const config = loadConfig();
  const topic = o.topic ?? topicsFrom(parseEnv(z.object(topicSettings), process.env, 'topics')).ratings;
  await checkTopic(config, topic);
  const sink = createRatingSink(o.client, { kafka: config.kafka, topic });
  const ctrl = new AbortController();
  process.once('SIGINT', () => ctrl.abort());
  try {
    const summary = await replayRatings({
      file: o.file,
      sink,
      codec: createCodec('rating-event'),
      rejectsFile:
        o.rejects ?? path.join(config.stackDir, 'rejects', `${path.basename(o.file, '.csv')}-${new Date().toISOString().replace(/[:.]/g, '')}.jsonl`),
      ratePerSec: o.rate,
      speedup: o.speedup,
      from: o.from,
      until: o.until,
      limit: o.limit,
      batchSize: o.batch,
      signal: ctrl.signal,
    });
    if (summary.stoppedEarly && ctrl.signal.aborted) console.error('stopped by Ctrl-C');
  } finally {
    await sink.close();
  }
}

/** Fails fast with a clear message: a producer would otherwise retry an unknown topic (or a refused login) for minutes. */
async function checkTopic(config: ReturnType<typeof loadConfig>, topic: string): Promise<void> {
  const admin = kafkaClient(config, 'moviereco-replay').admin();
  try {
    const topics = await admin
      .connect()
      .then(() => admin.listTopics())
      .catch((error: unknown) => {
        throw loginRefused(error, config) ?? error;
      });
    if (!topics.includes(topic))
      throw new ConfigError(`topic ${topic} does not exist on ${config.kafka.brokers.join(',')}; npm start creates the product topics`);
  } finally {
    await admin.disconnect();
  }
}

runMain(main);
