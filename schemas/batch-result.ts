/**
 * What the batch job tells its runner on stdout: the TypeScript owner of the lines whose Java owner
 * is `moviereco.contracts.BatchResult`. `PHASE_START <name>` when a phase begins, `PHASE <name>
 * <seconds, one decimal>` when it ends, and last `RESULT <json>`; every other line is log output.
 */
import { z } from 'zod';
import { ContractError } from './java-text.ts';

/** The phases of a full run, in order. */
export const BATCH_PHASES = ['read', 'evaluate', 'train', 'recommend', 'write', 'switch'] as const;

const metric = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

const resultSchema = z.object({
  /** absent for an --evaluate-only run */
  version: z.string().optional(),
  dataCutoff: z.number().int().optional(),
  path: z.string().optional(),
  metrics: z.record(z.string(), metric),
  counts: z.record(z.string(), z.number().int()),
  phases: z.record(z.string(), z.number()),
});

export type BatchJobResult = z.infer<typeof resultSchema>;

export type BatchLine =
  | { kind: 'PHASE_START'; value: { name: string } }
  | { kind: 'PHASE'; value: { name: string; seconds: number } }
  | { kind: 'RESULT'; value: BatchJobResult }
  | { kind: 'other'; value: null };

/** One line of the job's output; a line of this contract that is malformed is a ContractError. */
export function parseBatchLine(line: string): BatchLine {
  if (line.startsWith('PHASE_START ')) return { kind: 'PHASE_START', value: { name: line.slice(12) } };
  if (line.startsWith('PHASE ') || line === 'PHASE') {
    const m = /^PHASE (\w+) (\d+\.\d)$/.exec(line);
    if (!m) throw new ContractError(`malformed PHASE line: ${line}`);
    return { kind: 'PHASE', value: { name: m[1]!, seconds: Number(m[2]) } };
  }
  if (line.startsWith('RESULT ')) {
    let json: unknown;
    try {
      json = JSON.parse(line.slice(7));
    } catch {
      throw new ContractError(`malformed RESULT line: ${line.slice(0, 200)}`);
    }
    const parsed = resultSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) =>
        i.code === 'invalid_type' && i.input === undefined ? `${i.path.join('.')} is missing` : `${i.path.join('.')}: ${i.message}`,
      );
      throw new ContractError(`malformed RESULT line: ${problems.join('; ')}`);
    }
    return { kind: 'RESULT', value: parsed.data };
  }
  return { kind: 'other', value: null };
}
