/** Item factors of the current model, read from HDFS (WebHDFS) once per version, for explanations. */
import type { WebHdfs } from '../lib/webhdfs.ts';

export interface ItemFactors {
  version: string;
  get(movieId: number): Float32Array | undefined;
}

export function createFactorCache(hdfs: WebHdfs) {
  let cached: { version: string; loading: Promise<ItemFactors> } | undefined;

  async function load(version: string, modelPath: string): Promise<ItemFactors> {
    const dir = `${new URL(modelPath).pathname.replace(/\/$/, '')}/item-factors`;
    const map = new Map<number, Float32Array>();
    for (const file of await hdfs.list(dir)) {
      if (!file.pathSuffix.startsWith('part-')) continue;
      for (const line of (await hdfs.readFile(`${dir}/${file.pathSuffix}`)).toString('utf8').split('\n')) {
        if (!line) continue;
        const cells = line.split(',');
        map.set(Number(cells[0]), Float32Array.from(cells.slice(2), Number));
      }
    }
    return { version, get: (id) => map.get(id) };
  }

  return {
    /** the factors of `version` (loaded on first use; a failed load is retried next time) */
    get(version: string, modelPath: string): Promise<ItemFactors> {
      if (cached?.version !== version) {
        const loading = load(version, modelPath);
        cached = { version, loading };
        loading.catch(() => {
          if (cached?.loading === loading) cached = undefined;
        });
      }
      return cached.loading;
    },
  };
}
