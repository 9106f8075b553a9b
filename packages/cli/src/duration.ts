import { CliError } from './cli-error.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration flag: `500ms`, `90s`, `30m`, `8h`, `2d`, a bare number of milliseconds, or
 * `none` (null: no limit). Throws CliError `bad-request` naming the flag.
 */
export function parseDuration(flag: string, value: string): number | null {
  if (value === 'none') return null;
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * UNITS[match[2] ?? 'ms']! : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new CliError('bad-request', `${flag} ${JSON.stringify(value)} is not a duration`, { fix: `write it like ${flag} 30m (units ms, s, m, h, d), or ${flag} none` });
  }
  return ms;
}
