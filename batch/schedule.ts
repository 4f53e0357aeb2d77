/**
 * When the batch runs by itself (`npm start`, `npm run batch -- schedule`): once the ratings
 * produced since the current model was made reach a share of what it was trained on
 * (BATCH_AUTO_GROWTH), or once it is BATCH_AUTO_EVERY_HOURS old, whichever comes first.
 * `planBatchRun` decides (pure); `runSchedule` checks every BATCH_AUTO_CHECK_SECONDS and runs.
 */
export interface ScheduleSettings {
  /** new ratings as a share of the ratings the current model was trained on */
  growthShare: number;
  everyMs: number;
  checkMs: number;
  /** after a failed run, the next attempt waits at least this long */
  retryMs: number;
}

export interface ScheduleFacts {
  /** the current model: when it was made and how many ratings it was trained on; undefined: none yet */
  model?: { version: string; createdAt: number; trainedOn: number };
  /** ratings produced since the model was made */
  newRatings: number;
  now: number;
}

export interface BatchPlan {
  due: boolean;
  /** why it is due, or what it waits for, for a person to read */
  reason: string;
  /** ratings that make it due (0 with no model) */
  neededRatings: number;
  /** the time that makes it due at the latest (epoch ms) */
  dueBy: number;
}

export function planBatchRun(s: Pick<ScheduleSettings, 'growthShare' | 'everyMs'>, f: ScheduleFacts): BatchPlan {
  if (!f.model) return { due: true, reason: 'no model yet', neededRatings: 0, dueBy: f.now };
  const neededRatings = Math.max(1, Math.ceil(f.model.trainedOn * s.growthShare));
  const dueBy = f.model.createdAt + s.everyMs;
  const grown = `${f.newRatings.toLocaleString('en-US')} new ratings since ${f.model.version}`;
  if (f.newRatings >= neededRatings)
    return {
      due: true,
      reason: `${grown}: at least ${neededRatings.toLocaleString('en-US')} (${fmtShare(s.growthShare)} of its ${f.model.trainedOn.toLocaleString('en-US')})`,
      neededRatings,
      dueBy,
    };
  if (f.now >= dueBy)
    return { due: true, reason: `${f.model.version} is ${fmtHours(f.now - f.model.createdAt)} old (every ${fmtHours(s.everyMs)})`, neededRatings, dueBy };
  return {
    due: false,
    reason: `${grown}; next run at ${neededRatings.toLocaleString('en-US')} or at ${new Date(dueBy).toISOString()}, whichever comes first`,
    neededRatings,
    dueBy,
  };
}

const fmtShare = (x: number) => `${+(x * 100).toFixed(2)}%`;
const fmtHours = (ms: number) => `${+(ms / 3_600_000).toFixed(ms < 36_000_000 ? 2 : 0)} h`;

export interface ScheduleDeps {
  settings: ScheduleSettings;
  /** the facts now (the model, the ratings produced since) */
  facts(): Promise<ScheduleFacts>;
  /** one batch run (switch included) */
  run(reason: string): Promise<unknown>;
  onPlan?(plan: BatchPlan): void;
  log(line: string): void;
  signal?: AbortSignal;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A sleep that ends early on abort; its abort listener goes when it ends (one per look would pile up). */
const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Checks and runs until the signal aborts; one run at a time; a failed check or run is logged and tried again later. */
export async function runSchedule({ settings, facts, run, onPlan, log, signal, sleep = abortableSleep }: ScheduleDeps): Promise<void> {
  while (!signal?.aborted) {
    let wait = settings.checkMs;
    try {
      const plan = planBatchRun(settings, await facts());
      onPlan?.(plan);
      if (plan.due) {
        log(`scheduled batch run: ${plan.reason}`);
        try {
          await run(plan.reason);
        } catch (error) {
          log(`scheduled batch run failed (next attempt in ${Math.round(settings.retryMs / 60_000)} min): ${(error as Error).message.split('\n')[0]}`);
          wait = Math.max(wait, settings.retryMs);
        }
      }
    } catch (error) {
      log(`batch schedule: could not check (${(error as Error).message.split('\n')[0]}); again in ${Math.round(wait / 1000)} s`);
    }
    await sleep(wait, signal);
  }
}
