/**
 * What the API keeps in memory: the current model (re-read every API_MODEL_REFRESH_MS, so a new
 * batch version is served within about a second of its switch) and the movie catalogue.
 */
import { createCatalog, type Catalog } from './catalog.ts';
import type { CurrentModel, ServingStore } from './store.ts';

export interface ServingState {
  current(): CurrentModel | undefined;
  catalog(): Catalog;
  /** when the store last answered a refresh; undefined if never */
  lastRefresh(): number | undefined;
  refresh(what?: { catalog?: boolean }): Promise<void>;
  start(): void;
  stop(): void;
}

export function createServingState({
  store,
  modelName,
  modelRefreshMs,
  catalogRefreshMs,
  log = () => {},
}: {
  store: ServingStore;
  modelName: string;
  modelRefreshMs: number;
  catalogRefreshMs: number;
  log?: (line: string) => void;
}): ServingState {
  let current: CurrentModel | undefined;
  let catalog = createCatalog([]);
  let refreshedAt: number | undefined;
  let catalogAt = 0;
  const timers: NodeJS.Timeout[] = [];

  async function refresh({ catalog: withCatalog = false } = {}) {
    const next = await store.currentModel(modelName);
    const switched = next?.version !== current?.version;
    if (switched) log(`model ${modelName}: serving ${next?.version ?? '(none)'}`);
    current = next;
    // a new model comes with new rating counts and means in the catalogue
    if (withCatalog || switched || catalog.size === 0 || Date.now() - catalogAt >= catalogRefreshMs) {
      catalog = createCatalog(await store.allMovies());
      catalogAt = Date.now();
    }
    refreshedAt = Date.now();
  }

  return {
    current: () => current,
    catalog: () => catalog,
    lastRefresh: () => refreshedAt,
    refresh,
    start() {
      const tick = () => {
        refresh().catch(() => undefined);
      };
      timers.push(setInterval(tick, modelRefreshMs));
      tick();
    },
    stop() {
      for (const t of timers.splice(0)) clearInterval(t);
    },
  };
}
