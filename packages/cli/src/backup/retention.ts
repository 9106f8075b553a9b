import { CliError } from '../cli-error.js';

/**
 * How many archives `codebolt admin backup --retention` keeps: the newest archive of each of the
 * last `daily` days, `weekly` ISO weeks and `monthly` months that have one (UTC), like restic's
 * --keep-daily/--keep-weekly/--keep-monthly. An archive kept by any rule stays.
 */
export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

/** Archive names the CLI writes into a directory and retention manages: `codebolt-backup-20261122T093000Z.tar.gz`. */
export const ARCHIVE_NAME = /^codebolt-backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.tar\.gz$/;

export function archiveNameFor(date: Date): string {
  return `codebolt-backup-${date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.tar.gz`;
}

/** Parses `daily=7,weekly=4,monthly=6` (any subset; a missing rule keeps 0). Throws CliError `bad-request`. */
export function parseRetention(text: string): RetentionPolicy {
  const policy: RetentionPolicy = { daily: 0, weekly: 0, monthly: 0 };
  for (const part of text.split(',').map((piece) => piece.trim()).filter(Boolean)) {
    const match = /^(daily|weekly|monthly)=(\d{1,4})$/.exec(part);
    if (!match) throw new CliError('bad-request', `--retention: "${part}" is not daily=N, weekly=N or monthly=N`, { fix: 'for example --retention daily=7,weekly=4,monthly=6' });
    policy[match[1] as keyof RetentionPolicy] = Number(match[2]);
  }
  if (policy.daily + policy.weekly + policy.monthly === 0) throw new CliError('bad-request', '--retention keeps nothing', { fix: 'for example --retention daily=7,weekly=4,monthly=6' });
  return policy;
}

function dateOf(name: string): Date | undefined {
  const match = ARCHIVE_NAME.exec(name);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** ISO 8601 week of a UTC date, as `YYYY-Www` (the week's Thursday decides its year). */
function isoWeek(date: Date): string {
  const thursday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  thursday.setUTCDate(thursday.getUTCDate() + 3 - ((thursday.getUTCDay() + 6) % 7));
  const firstThursday = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((thursday.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * Which of `names` (files in the output directory) to delete under `policy`. Only names matching
 * ARCHIVE_NAME are considered; anything else is never deleted. Returns the names to delete.
 */
export function archivesToDelete(names: string[], policy: RetentionPolicy): string[] {
  const archives = names
    .map((name) => ({ name, date: dateOf(name) }))
    .filter((entry): entry is { name: string; date: Date } => entry.date !== undefined)
    .sort((a, b) => b.date.getTime() - a.date.getTime());
  const keep = new Set<string>();
  const rules: Array<[number, (date: Date) => string]> = [
    [policy.daily, (date) => date.toISOString().slice(0, 10)],
    [policy.weekly, isoWeek],
    [policy.monthly, (date) => date.toISOString().slice(0, 7)],
  ];
  for (const [count, period] of rules) {
    const seen = new Set<string>();
    for (const archive of archives) {
      if (seen.size >= count) break;
      const key = period(archive.date);
      if (seen.has(key)) continue;
      seen.add(key);
      keep.add(archive.name);
    }
  }
  return archives.filter((archive) => !keep.has(archive.name)).map((archive) => archive.name);
}
