import { describe, expect, it } from 'vitest';
import { archiveNameFor, archivesToDelete, parseRetention } from './retention.js';

const day = (iso: string) => archiveNameFor(new Date(iso));

describe('backup retention', () => {
  it('parses daily/weekly/monthly and refuses anything else', () => {
    expect(parseRetention('daily=7,weekly=4,monthly=6')).toEqual({ daily: 7, weekly: 4, monthly: 6 });
    expect(parseRetention('weekly=2')).toEqual({ daily: 0, weekly: 2, monthly: 0 });
    expect(() => parseRetention('hourly=3')).toThrow(/not daily=N/);
    expect(() => parseRetention('daily=0')).toThrow(/keeps nothing/);
  });

  it('keeps the newest archive of each of the last N days, ISO weeks and months, and deletes the rest', () => {
    // Two archives a day at 01:00 and 13:00 UTC for 100 days ending on Sun 2026-11-22.
    const names: string[] = [];
    for (let index = 0; index < 100; index++) {
      const date = new Date(Date.UTC(2026, 10, 22) - index * 86_400_000);
      names.push(day(new Date(date.getTime() + 3_600_000).toISOString()), day(new Date(date.getTime() + 13 * 3_600_000).toISOString()));
    }
    names.push('notes.txt', 'codebolt-backup-latest.tar.gz');
    const deleted = archivesToDelete(names, { daily: 3, weekly: 2, monthly: 2 });
    const kept = names.filter((name) => !deleted.includes(name));
    expect(kept.sort()).toEqual(
      [
        // daily: the 13:00 archive of Nov 22, 21, 20
        day('2026-11-22T13:00:00Z'),
        day('2026-11-21T13:00:00Z'),
        day('2026-11-20T13:00:00Z'),
        // weekly: W47 (Nov 16-22) is already kept by Nov 22; W46 ends Sun Nov 15
        day('2026-11-15T13:00:00Z'),
        // monthly: November (Nov 22 kept), October ends Oct 31
        day('2026-10-31T13:00:00Z'),
        'codebolt-backup-latest.tar.gz',
        'notes.txt',
      ].sort(),
    );
    expect(deleted).toHaveLength(200 - 5);
    expect(deleted).not.toContain('notes.txt');
  });
});
