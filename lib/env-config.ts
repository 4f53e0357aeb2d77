/**
 * The one way settings are read: the keys a zod schema declares, taken from the environment
 * (unset or empty = the default), validated once; an invalid value is a ConfigError listing every problem.
 */
import type { z } from 'zod';
import { ConfigError } from './errors.ts';

export function parseEnv<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>, what: string): z.infer<S> {
  const defined = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''));
  const parsed = schema.safeParse(defined);
  if (!parsed.success)
    throw new ConfigError(
      `invalid ${what} configuration`,
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    );
  return parsed.data;
}
