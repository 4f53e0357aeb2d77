/** Item factors of the current model (schemas/model-files.ts), read from HDFS (WebHDFS) once per version, for explanations. */
import type { WebHdfs } from '../lib/webhdfs.ts';
import { parseFactorLine, parseModelMetadata } from '../schemas/model-files.ts';

export interface ItemFactors {
  version: string;
  get(movieId: number): Float32Array | undefined;
}

export function createFactorCache(hdfs: WebHdfs) {
  let cached: { version: string; loading: Promise<ItemFactors> } | undefined;

  async function load(version: string, modelPath: string): Promise<ItemFactors> {
    const root = new URL(modelPath).pathname.replace(/\/$/, '');
    const { rank } = parseModelMetadata((await hdfs.readFile(`${root}/metadata.json`)).toString('utf8'));
    const dir = `${root}/item-factors`;
    const map = new Map<number, Float32Array>();
    for (const file of await hdfs.list(dir)) {
      if (!file.pathSuffix.startsWith('part-')) continue;
      for (const line of (await hdfs.readFile(`${dir}/${file.pathSuffix}`)).toString('utf8').split('\n')) {
        if (!line) continue;
        const row = parseFactorLine(line, rank);
        map.set(row.id, row.factors);
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
