/**
 * The background load of `npm run bench:freshness`, run as a process of its own (its CPU is not the
 * prober's): one step of rating events at a fixed rate, open loop (every event due since the last
 * send goes out in the next, so a slow send delays events but never drops or paces them), for users drawn as the plan says and
 * never a probe user, movies drawn uniformly from the catalogue, each dated now. The plan is a JSON
 * file (the catalogue is too long for an argument). It writes one JSON line per event on stdout:
 * `{"type":"ready"}` once connected (the step starts then), `{"type":"progress","sent":n}` every
 * 250 ms, and `{"type":"result","sent":n,"seconds":s,"behindMs":ms}`: seconds until the last batch
 * went out, and how late the latest batch was against its schedule at worst.
 *
 *   node --import tsx tools/bench/rating-load.ts plan.json
 */
import fs from 'node:fs';
import { loadConfig } from '../../infra/config.ts';
import { createRatingSink } from '../../ingest/rating-sink.ts';
import { createBackgroundPicker, probePool } from './freshness-plan.ts';
import { createRandomRatings } from './random-rating.ts';
import { dueBy } from './schedule.ts';

export interface RatingLoadPlan {
  topic: string;
  users: number;
  /** the probe pool the background must leave alone (probePool's arguments) */
  probePoolSize: number;
  zipfS: number;
  /** the step's draws */
  seed: number;
  /** which users are busy: the run's, so that every step finds the same users busy */
  rankSeed: number;
  movies: number[];
  rate: number;
  seconds: number;
}

const plan = JSON.parse(fs.readFileSync(process.argv[2] ?? '', 'utf8')) as RatingLoadPlan;
const emit = (event: unknown) => process.stdout.write(`${JSON.stringify(event)}\n`);
const stack = loadConfig(process.env);
const sink = createRatingSink('platformatic', { kafka: stack.kafka, topic: plan.topic, clientId: 'moviereco-bench-freshness-load' });
const pool = probePool(plan.users, plan.probePoolSize);
const pickUser = createBackgroundPicker({ users: plan.users, s: plan.zipfS, seed: plan.seed, rankSeed: plan.rankSeed, isProbe: pool.has });
const record = createRandomRatings({ movies: plan.movies, seed: plan.seed + 1, source: 'GENERATOR' });

// connected before the step starts: one event for a background user, acknowledged
await sink.send([record(pickUser(), Date.now())]);
emit({ type: 'ready' });
const total = Math.round(plan.rate * plan.seconds);
const started = performance.now();
let sent = 0;
let behindMs = 0;
const progress = setInterval(() => emit({ type: 'progress', sent }), 250);
// one send at a time (the idempotent producer's sequence numbers need it); what fell due meanwhile goes in the next
while (sent < total) {
  const now = performance.now();
  const due = dueBy(now - started, plan.rate, total);
  if (due > sent) {
    // how late the oldest event of this batch goes out
    behindMs = Math.max(behindMs, now - started - (sent * 1000) / plan.rate);
    const at = Date.now();
    const batch = Array.from({ length: due - sent }, () => record(pickUser(), at));
    sent = due;
    await sink.send(batch);
  } else await new Promise((resolve) => setTimeout(resolve, 10 - ((now - started) % 10)));
}
const seconds = (performance.now() - started) / 1000;
clearInterval(progress);
await sink.close();
emit({ type: 'result', sent, seconds, behindMs });
