/**
 * Schema evolution rule of the project: every schema stays FULL-compatible with each released
 * version in schemas/history/ (new readers read old data, old readers read new data), by
 * Avro's resolution rules. Release a version by copying the .avsc to history/<name>.v<N+1>.avsc.
 */
import type avro from 'avsc';

/** Problems that stop `current` and `released` from reading each other's data; empty if none. */
export function compatibilityProblems(current: avro.Type, released: avro.Type): string[] {
  const problems: string[] = [];
  try {
    current.createResolver(released);
  } catch (error) {
    problems.push(`the new schema cannot read data written with the released one: ${(error as Error).message}`);
  }
  try {
    released.createResolver(current);
  } catch (error) {
    problems.push(`readers of the released schema cannot read data written with the new one: ${(error as Error).message}`);
  }
  return problems;
}
