/**
 * What held up the API in a step of bench:api, from two samples taken at the step's start and end:
 * its main thread's run-queue wait (/proc/<pid>/schedstat) and its `/metrics` text (event-loop lag
 * max, which prom-client resets on each scrape, GC time, speed rows read, and its own latency
 * histogram of the step's route).
 */
import { promSum, promValue } from '../../lib/prom-text.ts';
import type { ApiStalls, LoadRoute } from './api-report.ts';

export interface StallSample {
  /** the API's run-queue wait so far (ms), if readable */
  waitMs?: number;
  /** its /metrics text ('' if the scrape failed) */
  text: string;
}

const ROUTE_LABEL: Record<LoadRoute, string> = { health: '/health', recommendations: '/users/:id/recommendations' };

export function stallsBetween(a: StallSample | undefined, b: StallSample | undefined, route: LoadRoute): ApiStalls {
  if (!a?.text || !b?.text) return {};
  const delta = (name: string, labels: Record<string, string> = {}) => promSum(b.text, name, labels) - promSum(a.text, name, labels);
  const answers = delta('http_request_duration_seconds_count', { route: ROUTE_LABEL[route] });
  return {
    runQueueWaitMs: a.waitMs !== undefined && b.waitMs !== undefined ? b.waitMs - a.waitMs : undefined,
    loopDelayMaxMs: promValue(b.text, 'nodejs_eventloop_lag_max_seconds') * 1000,
    gcMs: delta('nodejs_gc_duration_seconds_sum') * 1000,
    speedReads: promValue(b.text, 'api_speed_view_misses') - promValue(a.text, 'api_speed_view_misses'),
    slowShare: answers > 0 ? 1 - delta('http_request_duration_seconds_bucket', { le: '0.02', route: ROUTE_LABEL[route] }) / answers : undefined,
  };
}
