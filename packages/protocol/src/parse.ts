import type { z } from 'zod';
import { CodeboltError } from './codebolt-error.js';
import { describeZodError } from './envelope.js';

/**
 * Parses a message's data with its schema; throws CodeboltError('bad-request') naming the
 * offending field (`<what>.<field>: <problem>`).
 */
export function parseData<S extends z.ZodType>(schema: S, data: unknown, what = 'data'): z.output<S> {
  const result = schema.safeParse(data ?? {});
  if (!result.success) throw new CodeboltError('bad-request', `invalid ${what}: ${describeZodError(result.error)}`);
  return result.data;
}
