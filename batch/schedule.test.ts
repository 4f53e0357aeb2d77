import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { planBatchRun, runSchedule, type ScheduleFacts } from './schedule.ts';

const H = 3_600_000;
const settings = { growthShare: 0.1, everyMs: 24 * H, checkMs: 1000, retryMs: 600_000 };
const model = { version: 'v1', createdAt: 0, trainedOn: 90_000 };

describe('batch > schedule plan', () => {
  it('is due with no model', () => {
    expect(planBatchRun(settings, { newRatings: 0, now: 5 })).toMatchObject({ due: true, reason: 'no model yet' });
  });

  it('is due once the new ratings reach the share of those the model was trained on', () => {
    expect(planBatchRun(settings, { model, newRatings: 8_999, now: H })).toMatchObject({ due: false, neededRatings: 9_000, dueBy: 24 * H });
    const due = planBatchRun(settings, { model, newRatings: 9_000, now: H });
    expect(due.due).toBe(true);
    expect(due.reason).toBe('9,000 new ratings since v1: at least 9,000 (10% of its 90,000)');
  });

  it('is due once the model is old enough, whichever comes first', () => {
    expect(planBatchRun(settings, { model, newRatings: 3, now: 24 * H - 1 }).due).toBe(false);
    expect(planBatchRun(settings, { model, newRatings: 3, now: 24 * H })).toMatchObject({ due: true, reason: 'v1 is 24 h old (every 24 h)' });
  });

  it('says what it waits for', () => {
    expect(planBatchRun(settings, { model, newRatings: 120, now: H }).reason).toBe(
      '120 new ratings since v1; next run at 9,000 or at 1970-01-02T00:00:00.000Z, whichever comes first',
    );
  });
});

describe('batch > schedule loop', () => {
  it('runs when due, looks again every check, waits longer after a failed run, and stops on abort', async () => {
    const controller = new AbortController();
    const facts: ScheduleFacts[] = [
      { model, newRatings: 10, now: H },
      { model, newRatings: 9_500, now: H },
      { model, newRatings: 9_600, now: H },
      { model: { ...model, version: 'v2', createdAt: H, trainedOn: 99_500 }, newRatings: 0, now: H },
    ];
    const runs: string[] = [];
    const waits: number[] = [];
    const log: string[] = [];
    await runSchedule({
      settings,
      facts: async () => {
        const f = facts.shift();
        if (!f) throw new Error('no more facts');
        return f;
      },
      run: async (reason) => {
        runs.push(reason);
        if (runs.length === 1) throw new Error('spark-submit exited 1');
      },
      log: (l) => log.push(l),
      signal: controller.signal,
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 5) controller.abort();
      },
    });
    expect(runs).toEqual(['9,500 new ratings since v1: at least 9,000 (10% of its 90,000)', '9,600 new ratings since v1: at least 9,000 (10% of its 90,000)']);
    // after the failed run the next look waits BATCH_AUTO_RETRY_MINUTES; a failed look is logged and tried again
    expect(waits).toEqual([1000, 600_000, 1000, 1000, 1000]);
    expect(log.some((l) => l.startsWith('scheduled batch run failed (next attempt in 10 min): spark-submit exited 1'))).toBe(true);
    expect(log.at(-1)).toMatch(/could not check \(no more facts\)/);
  });

  it('leaves no abort listener behind per look (a long-running npm start looks every 30 s)', async () => {
    const controller = new AbortController();
    let looks = 0;
    const loop = runSchedule({
      settings: { ...settings, checkMs: 2 },
      facts: async () => {
        looks++;
        return { model, newRatings: 0, now: H };
      },
      run: async () => undefined,
      log: () => undefined,
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(looks).toBeGreaterThan(10);
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    controller.abort();
    await loop;
  });
});
