import { describe, expect, it } from 'vitest';
import { closedLoopCostRatio, closedLoopRatio, cpuPerAnswerUs, formatTable, type StepReport } from './api-report.ts';

const step = (over: Partial<StepReport> & Pick<StepReport, 'step'>): StepReport => ({
  offered: null,
  achieved: 0,
  sent: 0,
  ok: 0,
  non2xx: 0,
  socketErrors: 0,
  p50: 0,
  p99: 0,
  p999: 0,
  max: 0,
  sendLagP99: null,
  loadGenCpu: 0.5,
  api: { cpu: 0.9, rssMb: 310.4, peakRssMb: 320 },
  ...over,
});

const STEPS = [
  step({ step: { name: 'h', route: 'health', mode: 'closed', connections: 32, seconds: 20 }, achieved: 6531.2, p50: 4.2, p99: 12.34, p999: 150.5 }),
  step({ step: { name: 'r', route: 'recommendations', mode: 'closed', connections: 32, seconds: 20 }, achieved: 2612.5, p50: 11, p99: 40, p999: 90 }),
  step({
    step: { name: 'r2000', route: 'recommendations', mode: 'open', rate: 2000, seconds: 20 },
    offered: 2000,
    achieved: 1998.7,
    p50: 1.234,
    p99: 18.9,
    p999: 33,
    non2xx: 2,
    socketErrors: 3,
    errors: { reset: 2, timeout: 1, refused: 0 },
    sendLagP99: 1.5,
    loadGenLoopDelayMaxMs: 12.5,
    api: { cpu: 0.9, rssMb: 310.4, peakRssMb: 320, runQueueWaitMs: 1234.4, loopDelayMaxMs: 48.25, gcMs: 310.6, speedReads: 1520, slowShare: 0.00125 },
  }),
];

describe('bench > api-report', () => {
  it('prints one row per step, with offered and achieved rates, percentiles, errors and costs', () => {
    const table = formatTable(STEPS).split('\n');
    expect(table).toHaveLength(2 + STEPS.length);
    expect(table[0]).toMatch(/^\| route \| load \| offered req\/s \| achieved req\/s \| p50 ms \| p99 ms \| p99\.9 ms \| non-2xx \| socket errors \|/);
    expect(table[2]).toBe('| GET /health | closed 32 conn | – | 6,531 | 4.20 | 12.3 | 151 | 0 | 0 | 0.90 | 138 | 310 | 0.50 | – | – | – | – | – | – | – |');
    expect(table[4]).toBe(
      '| GET /users/:id/recommendations | open 2,000/s | 2,000 | 1,999 | 1.23 | 18.9 | 33.0 | 2 | 3 (reset 2, timeout 1) | 0.90 | 450 | 310 | 0.50 | 1.50 | 12.5 | 1,234 | 48.3 | 311 | 1,520 | 0.13% |',
    );
  });

  it('gives the closed-loop ratio to the trivial route, or null without it', () => {
    expect(closedLoopRatio(STEPS)).toBeCloseTo(0.4, 3);
    expect(closedLoopRatio(STEPS.slice(1))).toBeNull();
  });

  it("gives the API's CPU per answer, and /health's over the recommendations' in the closed loop", () => {
    expect(cpuPerAnswerUs(STEPS[0]!)).toBeCloseTo(137.8, 1);
    expect(cpuPerAnswerUs(step({ step: STEPS[0]!.step, achieved: 0 }))).toBeNull();
    // 0.9 cores for 6,531.2 and for 2,612.5 answers a second
    expect(closedLoopCostRatio(STEPS)).toBeCloseTo(2612.5 / 6531.2, 3);
    expect(closedLoopCostRatio(STEPS.slice(1))).toBeNull();
    // with two closed-loop steps of a route, both ratios take the one that answered most
    const slower = step({ step: STEPS[0]!.step, achieved: 1000, api: { cpu: 0.1, rssMb: 1, peakRssMb: 1 } });
    expect(closedLoopRatio([slower, ...STEPS])).toBeCloseTo(0.4, 3);
    expect(closedLoopCostRatio([slower, ...STEPS])).toBeCloseTo(2612.5 / 6531.2, 3);
  });
});
