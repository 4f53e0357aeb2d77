/**
 * Keeps the in-process views complete, in the background: after each model switch the batch view
 * loads every batch row of the new version (one scan, with progress in the log), and every
 * `scanMs` the speed view's index is rebuilt from the speed table's keys. The first scan that
 * counts under a version reads the speed rows themselves (`speedRows`), so that the speed view
 * holds them all (a user's first request reads nothing either); later ones read keys only. Until
 * a load completes the views read on demand, as without it; a failed load or scan is logged and
 * tried again.
 */
import { describeError } from '../lib/errors.ts';
import type { BatchView } from './batch-view.ts';
import type { ServingState } from './serving-state.ts';
import type { SpeedView } from './speed-view.ts';
import type { ServingStore } from './store.ts';

export interface ViewLoaderStats {
  /** the version whose batch rows were last loaded in full, and how long that took */
  loadedVersion: string | undefined;
  loadSeconds: number | undefined;
  scans: number;
}

export interface ViewLoader {
  /** one step: starts what is due (a load, a scan) without waiting for it; the timer calls it */
  tick(): void;
  /** the load or scan running, if any (tests wait for them) */
  idle(): Promise<void>;
  start(): void;
  stop(): void;
  stats(): ViewLoaderStats;
}

export function createViewLoader({
  state,
  store,
  batchView,
  speedView,
  scanMs,
  speedRows = true,
  retryMs = 30_000,
  tickMs = 1000,
  now = Date.now,
  log = () => {},
}: {
  state: Pick<ServingState, 'current'>;
  store: Pick<ServingStore, 'batchRows' | 'speedKeys' | 'speedRows'>;
  batchView: BatchView;
  speedView?: SpeedView | undefined;
  /** how often the speed view's index is rebuilt (API_SPEED_VIEW_TTL_MS) */
  scanMs: number;
  /** whether the first scan under a version reads the rows themselves (API_SPEED_VIEW_PRELOAD_ROWS) */
  speedRows?: boolean;
  retryMs?: number;
  tickMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}): ViewLoader {
  let loading: Promise<void> | undefined;
  let scanning: Promise<void> | undefined;
  /** the version loaded in full (or as far as the budget holds); a failed load is tried again at loadRetryAt */
  let loaded: string | undefined;
  let loadSeconds: number | undefined;
  let loadRetryAt = 0;
  let lastScan = Number.NEGATIVE_INFINITY;
  let scanRetryAt = 0;
  let scans = 0;
  /** the version under which a scan of whole speed rows counted */
  let rowsFor: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  /** stopped: a load or scan cut short by the store's close is not news */
  let stopped = false;

  function load(version: string) {
    const started = now();
    let logged = 0;
    log(`batch view: loading the rows of ${version}`);
    loading = batchView
      .load(version, store.batchRows(version), (rows) => {
        if (rows - logged >= 50_000) {
          logged = rows;
          log(`batch view: ${rows.toLocaleString('en-US')} rows of ${version} read, ${((now() - started) / 1000).toFixed(0)} s`);
        }
      })
      .then(
        (r) => {
          if (r.superseded) return;
          loaded = version;
          loadSeconds = (now() - started) / 1000;
          log(
            `batch view: ${r.held.toLocaleString('en-US')} users of ${version} held in ${loadSeconds.toFixed(1)} s` +
              (r.complete ? ' (complete: users without a row cost no read)' : ' (the budget API_BATCH_VIEW_MB is full: the rest is read on demand)'),
          );
        },
        (error: unknown) => {
          loadRetryAt = now() + retryMs;
          if (!stopped)
            log(
              `batch view: loading ${version} failed (again in ${retryMs / 1000} s; rows are read on demand meanwhile): ${describeError(error).split('\n')[0]}`,
            );
        },
      )
      .finally(() => {
        loading = undefined;
      });
  }

  function scan(view: SpeedView) {
    lastScan = now();
    const version = state.current()?.version;
    const withRows = speedRows && version !== undefined && version !== rowsFor;
    scanning = view
      .scan(withRows ? store.speedRows() : store.speedKeys(), version)
      .then(
        (counted) => {
          if (!counted) return;
          scans++;
          if (!withRows) return;
          rowsFor = version;
          log(
            `speed view: ${view.stats().users.toLocaleString('en-US')} speed rows held after a scan of the rows under ${version}, ${((now() - lastScan) / 1000).toFixed(1)} s`,
          );
        },
        (error: unknown) => {
          scanRetryAt = now() + scanMs;
          if (!stopped) log(`speed view: scanning the speed rows failed (again in ${scanMs / 1000} s): ${describeError(error).split('\n')[0]}`);
        },
      )
      .finally(() => {
        scanning = undefined;
      });
  }

  return {
    tick() {
      const version = state.current()?.version;
      if (version !== undefined && version !== loaded && !loading && now() >= loadRetryAt) load(version);
      // a scan counts only once the signals have flowed a while: try again each tick until then
      const scanDue = now() - lastScan >= scanMs || (speedView?.stats().indexed === undefined && now() >= scanRetryAt);
      if (speedView && !scanning && speedView.stats().live && scanDue) scan(speedView);
    },
    async idle() {
      await Promise.all([loading, scanning]);
    },
    start() {
      stopped = false;
      timer ??= setInterval(() => this.tick(), tickMs);
      this.tick();
    },
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    stats: () => ({ loadedVersion: loaded, loadSeconds, scans }),
  };
}
