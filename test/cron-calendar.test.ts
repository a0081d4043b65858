import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFires } from '../src/engine/schedule-firer.js';
import type { Schedule } from '../src/store/schedule-store.js';
import { parseCronCalendar, type CronCalendar } from '../src/workflow/cron-calendar.js';

const iso = (times: number[]) => times.map((t) => new Date(t).toISOString());
function calendar(cron: string, timezone = 'UTC'): CronCalendar {
  const parsed = parseCronCalendar(cron, timezone);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.calendar;
}

describe('cron calendars (SPEC §8)', () => {
  it('skips a local time that does not exist (spring forward, Europe/Berlin 2026-03-29)', () => {
    assert.deepEqual(iso(calendar('30 2 * * *', 'Europe/Berlin').next(Date.parse('2026-03-27T12:00:00Z'), 4)), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      // 2026-03-29 02:30 does not exist in Berlin: no fire that day
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
      '2026-04-01T00:30:00.000Z',
    ]);
    assert.deepEqual(iso(calendar('0,30 * * * *', 'Europe/Berlin').next(Date.parse('2026-03-29T00:00:00Z'), 3)), [
      '2026-03-29T00:30:00.000Z', // 01:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:00 and 02:30 did not exist
      '2026-03-29T01:30:00.000Z',
    ]);
  });

  it('fires a repeated local time once (fall back, Europe/Berlin 2026-10-25)', () => {
    assert.deepEqual(iso(calendar('30 2 * * *', 'Europe/Berlin').next(Date.parse('2026-10-24T12:00:00Z'), 2)), [
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first occurrence
      '2026-10-26T01:30:00.000Z', // 02:30 CET the next day
    ]);
    assert.deepEqual(iso(calendar('0,30 * * * *', 'Europe/Berlin').next(Date.parse('2026-10-25T00:10:00Z'), 3)), [
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      // 02:00 and 02:30 CET repeat: not again
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T02:30:00.000Z',
    ]);
  });

  it('reads 6 fields with leading seconds, names, and the @ shortcuts', () => {
    assert.deepEqual(iso(calendar('*/2 * * * * *').next(Date.parse('2026-01-01T00:00:00.500Z'), 3)), [
      '2026-01-01T00:00:02.000Z', '2026-01-01T00:00:04.000Z', '2026-01-01T00:00:06.000Z',
    ]);
    assert.deepEqual(iso(calendar('0 6 * * MON-FRI', 'America/New_York').next(Date.parse('2026-01-02T12:00:00Z'), 2)), [
      '2026-01-05T11:00:00.000Z', '2026-01-06T11:00:00.000Z',
    ]);
    assert.deepEqual(iso(calendar('0 0 1 JAN,jul *').next(Date.parse('2026-02-01T00:00:00Z'), 2)), ['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
    const from = Date.parse('2026-05-15T10:20:00Z');
    assert.deepEqual(iso(calendar('@hourly').next(from, 1)), ['2026-05-15T11:00:00.000Z']);
    assert.deepEqual(iso(calendar('@daily').next(from, 1)), ['2026-05-16T00:00:00.000Z']);
    assert.deepEqual(iso(calendar('@weekly').next(from, 1)), ['2026-05-17T00:00:00.000Z']);
    assert.deepEqual(iso(calendar('@monthly').next(from, 1)), ['2026-06-01T00:00:00.000Z']);
    assert.deepEqual(iso(calendar('@yearly').next(from, 1)), ['2027-01-01T00:00:00.000Z']);
    assert.deepEqual(calendar('0 0 30 2 *').next(from, 1), [], 'a calendar that never fires has no next time');
  });

  it('refuses bad patterns and zones, naming the field', () => {
    for (const [cron, timezone, field, message] of [
      ['61 * * * *', 'UTC', 'cron', /minute/],
      ['* * * *', 'UTC', 'cron', /4 fields/],
      ['0 0 * * * * 2026', 'UTC', 'cron', /7 fields/],
      ['0 0 * * FUNDAY', 'UTC', 'cron', /not a valid cron/],
      ['0 6 * * *', 'Mars/Olympus', 'timezone', /IANA/],
      ['0 6 * * *', '', 'timezone', /IANA/],
    ] as const) {
      const parsed = parseCronCalendar(cron, timezone);
      assert.equal(parsed.ok, false, `${cron} ${timezone}`);
      if (!parsed.ok) {
        assert.equal(parsed.field, field);
        assert.match(parsed.message, message);
      }
    }
  });

  it('lists the latest due times of a long gap, oldest first', () => {
    const c = calendar('0 * * * *');
    assert.deepEqual(iso(c.between(Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T05:30:00Z'), 3)), [
      '2026-01-01T03:00:00.000Z', '2026-01-01T04:00:00.000Z', '2026-01-01T05:00:00.000Z',
    ]);
    assert.equal(calendar('* * * * * *').between(0, Date.parse('2026-01-01T00:00:00Z'), 100).length, 100, 'a year-long gap of a per-second calendar stays cheap');
  });
});

describe('which due times a firer fires', () => {
  const base = { overlap: 'skip', catchup: 'none' } as Schedule;
  const now = Date.parse('2026-01-01T13:30:00Z');
  const hours = [11, 12, 13].map((h) => Date.UTC(2026, 0, 1, h));
  const late = now - 10_000; // within the on-time grace

  it('fires every time that is only a little late, whatever the catch-up', () => {
    assert.deepEqual(planFires(base, [late - 2000, late], now), [
      { fireAt: late - 2000, overlapsLaterFire: false }, { fireAt: late, overlapsLaterFire: false },
    ]);
  });

  it('after downtime: none, last, all (skip: only the latest missed runs), all with allow', () => {
    assert.deepEqual(planFires(base, hours, now), []);
    assert.deepEqual(planFires({ ...base, catchup: 'last' }, hours, now), [{ fireAt: hours[2], overlapsLaterFire: false }]);
    assert.deepEqual(planFires({ ...base, catchup: 'all' }, hours, now).map((p) => p.overlapsLaterFire), [true, true, false]);
    assert.deepEqual(planFires({ ...base, catchup: 'all', overlap: 'allow' }, hours, now).map((p) => p.overlapsLaterFire), [false, false, false]);
    const many = Array.from({ length: 150 }, (_, i) => now - (150 - i) * 3_600_000);
    assert.equal(planFires({ ...base, catchup: 'all' }, many, now).length, 100, 'at most 100 missed times');
  });
});
