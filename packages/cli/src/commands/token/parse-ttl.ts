import { CliError } from '../../cli-error.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses a lifetime like `90`, `90s`, `15m`, `1h` or `30d` into seconds. Throws CliError `bad-request`. */
export function parseTtlSeconds(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2] || 's']! : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new CliError('bad-request', `--ttl "${text}" is not a lifetime`, { fix: 'write it as a number with an optional unit: 90s, 15m, 1h, 30d' });
  }
  return seconds;
}
