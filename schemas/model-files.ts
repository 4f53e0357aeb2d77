/**
 * A published model's folder: the TypeScript owner of the format whose Java owner is
 * `moviereco.contracts.ModelFiles` (the Spark batch job writes it; the Flink speed job and the API
 * read it). `<path>/metadata.json`: one line of JSON; `<path>/item-factors/part-*` and
 * `<path>/user-factors/part-*`: one line per id, `id,bias,f1..f<rank>`.
 */
import { z } from 'zod';
import { ContractError, integerField, javaFloatString, numberField } from './java-text.ts';

/** The one declaration of the model name: the batch layer writes it, the speed layer and the API read it. */
export const modelSettings = {
  /** the batch model's name: its HDFS folder /models/<name> and its rows in Cassandra */
  BATCH_MODEL_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/)
    .default('als'),
};

const metric = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

const metadataSchema = z.object({
  modelName: z.string(),
  version: z.string(),
  dataCutoff: z.number().int(),
  globalMean: z.number(),
  biases: z.boolean(),
  implicit: z.boolean(),
  alpha: z.number(),
  reg: z.number(),
  userBiasDamping: z.number(),
  factorsFormat: z.string(),
  rank: z.number().int().min(0),
  params: z.record(z.string(), z.string()),
  metrics: z.record(z.string(), metric),
  counts: z.record(z.string(), z.number().int()),
});

export type ModelMetadata = z.infer<typeof metadataSchema>;

/** The text of metadata.json, or a ContractError naming what is missing or wrong. */
export function parseModelMetadata(text: string): ModelMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ContractError(`metadata.json is not JSON: ${(error as Error).message}`);
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.code === 'invalid_type' && i.input === undefined ? `${i.path.join('.')} is missing` : `${i.path.join('.')}: ${i.message}`,
    );
    throw new ContractError(`metadata.json: ${problems.join('; ')}`);
  }
  const meta = parsed.data;
  const expected = factorsFormat(meta.rank);
  if (meta.factorsFormat !== expected)
    throw new ContractError(`metadata.json: factorsFormat '${meta.factorsFormat}' is not '${expected}' for rank ${meta.rank}`);
  return meta;
}

export function factorsFormat(rank: number): string {
  return `id,bias,f1..f${rank}`;
}

export interface FactorRow {
  id: number;
  bias: number;
  factors: Float32Array;
}

export function formatFactorLine({ id, bias, factors }: FactorRow): string {
  return [String(id), javaFloatString(bias), ...Array.from(factors, javaFloatString)].join(',');
}

/** A factor line of a model of this rank, or a ContractError naming the field. */
export function parseFactorLine(line: string, rank: number): FactorRow {
  const cells = line.split(',');
  if (cells.length !== rank + 2) throw new ContractError(`expected ${rank + 2} fields (${factorsFormat(rank)}), got ${line ? cells.length : 0}`);
  const id = integerField('id', cells[0]!);
  const bias = Math.fround(numberField('bias', cells[1]!));
  const factors = new Float32Array(rank);
  for (let f = 0; f < rank; f++) factors[f] = numberField(`f${f + 1}`, cells[f + 2]!);
  return { id, bias, factors };
}
