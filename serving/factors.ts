/**
 * The current model's item factors (schemas/model-files.ts), read from HDFS (WebHDFS) once per
 * version: for explanations (`get`), and as the fold-in model of the basket route (`model`), read
 * as the speed layer reads it (part files in name order, the model's biases, alpha and damping).
 */
import type { WebHdfs } from '../lib/webhdfs.ts';
import { parseFactorLine, parseModelMetadata } from '../schemas/model-files.ts';
import { createFoldInModel, type FoldInModel } from './fold-in.ts';

export interface ItemFactors {
  version: string;
  get(movieId: number): Float32Array | undefined;
  model: FoldInModel;
}

export function createFactorCache(hdfs: WebHdfs) {
  let cached: { version: string; loading: Promise<ItemFactors> } | undefined;

  async function load(version: string, modelPath: string): Promise<ItemFactors> {
    const root = new URL(modelPath).pathname.replace(/\/$/, '');
    const meta = parseModelMetadata((await hdfs.readFile(`${root}/metadata.json`)).toString('utf8'));
    const { rank } = meta;
    const dir = `${root}/item-factors`;
    const ids: number[] = [];
    const biases: number[] = [];
    const rows: Float32Array[] = [];
    const parts = (await hdfs.list(dir)).map((f) => f.pathSuffix).filter((name) => name.startsWith('part-'));
    for (const part of parts.sort()) {
      for (const line of (await hdfs.readFile(`${dir}/${part}`)).toString('utf8').split('\n')) {
        if (!line) continue;
        const row = parseFactorLine(line, rank);
        ids.push(row.id);
        biases.push(row.bias);
        rows.push(row.factors);
      }
    }
    const factors = new Float32Array(ids.length * rank);
    rows.forEach((f, i) => {
      factors.set(f, i * rank);
    });
    const model = createFoldInModel({
      rank,
      ids: Int32Array.from(ids),
      itemBias: Float32Array.from(biases),
      factors,
      globalMean: meta.globalMean,
      reg: meta.reg,
      userBiasDamping: meta.biases ? meta.userBiasDamping : Number.NaN,
      implicit: meta.implicit,
      alpha: meta.alpha,
    });
    return {
      version,
      model,
      get: (id) => {
        const row = model.rowOf.get(id);
        return row === undefined ? undefined : factors.subarray(row * rank, (row + 1) * rank);
      },
    };
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
