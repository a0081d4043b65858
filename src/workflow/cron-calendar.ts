import { Cron } from 'croner';

/**
 * Cron calendars in IANA time zones (SPEC §8), on top of croner. croner parses the
 * pattern (5 fields, or 6 with leading seconds; lists, ranges, steps, names,
 * `@hourly` … `@yearly`) and walks the calendar; two DST rules are applied on top,
 * the same for every pattern (croner treats "fixed-time" and "interval" patterns
 * differently):
 * - a local time that does not exist (spring forward) is skipped — croner would move a
 *   fixed time such as `30 2 * * *` to the first time after the gap;
 * - a local time that repeats (fall back) fires once, at its first occurrence — croner
 *   would fire an interval pattern such as `0,30 * * * *` on both occurrences.
 */
export interface CronCalendar {
  /** The next fire times strictly after `after`, at most `count`. */
  next(after: number, count: number): number[];
  /** Fire times in `(from, to]`, oldest first, at most `limit` (the latest ones when more). */
  between(from: number, to: number, limit: number): number[];
}

export type CronCalendarResult = { ok: true; calendar: CronCalendar } | { ok: false; field: 'cron' | 'timezone'; message: string };

/** Shifts of the UTC offset that a repeated local time can come from (DST, and the odd half-hour zone). */
const OFFSET_SHIFTS_MS = [30, 60, 120].map((m) => m * 60_000);
/** Walks at most this many croner candidates per call, so a calendar that never fires (`0 0 30 2 *`) ends. */
const MAX_CANDIDATES = 5000;

/**
 * Parses `cron` in `timezone` (default `UTC`); bad patterns and unknown zones are a
 * returned error naming the field.
 *
 * @example
 * const parsed = parseCronCalendar('0 6 * * MON-FRI', 'Europe/Berlin');
 * if (parsed.ok) parsed.calendar.next(Date.now(), 5);
 */
export function parseCronCalendar(cron: string, timezone: string): CronCalendarResult {
  if (!isTimeZone(timezone)) return { ok: false, field: 'timezone', message: `"${timezone}" is not an IANA time zone such as UTC or Europe/Berlin` };
  const trimmed = cron.trim();
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith('@') && fields !== 5 && fields !== 6) {
    return { ok: false, field: 'cron', message: `"${cron}" has ${fields} fields; a cron expression has 5 (minute hour day month weekday) or 6 (with leading seconds)` };
  }
  let pattern: Cron;
  try {
    pattern = new Cron(trimmed, { timezone, paused: true, mode: '5-or-6-parts' });
  } catch (error) {
    return { ok: false, field: 'cron', message: `"${cron}" is not a valid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}` };
  }
  const local = localTimeFormatter(timezone);

  /** The local wall time of `at`, as a UTC-based number (seconds resolution). */
  const wallTime = (at: number): number => {
    const parts = Object.fromEntries(local.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
    return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second));
  };
  /** True when croner's candidate is a fire time under the two DST rules. */
  const accepted = (at: number): boolean => {
    if (!pattern.match(new Date(at))) return false; // moved out of a DST gap: that local time does not exist
    const wall = wallTime(at);
    return !OFFSET_SHIFTS_MS.some((shift) => wallTime(at - shift) === wall); // second occurrence of a repeated time
  };

  const calendar: CronCalendar = {
    next(after, count) {
      const times: number[] = [];
      let cursor = new Date(after);
      for (let i = 0; i < MAX_CANDIDATES && times.length < count; i++) {
        const candidate = pattern.nextRun(cursor);
        if (!candidate) break;
        if (accepted(candidate.getTime())) times.push(candidate.getTime());
        cursor = candidate;
      }
      return times;
    },
    between(from, to, limit) {
      // Walks back from `to`: after a long downtime only the latest `limit` times matter.
      const times: number[] = [];
      let reference = new Date(to + 1);
      for (let i = 0; i < MAX_CANDIDATES && times.length < limit; i += 50) {
        const candidates = pattern.previousRuns(50, reference);
        for (const candidate of candidates) {
          const at = candidate.getTime();
          if (at <= from) return times.reverse();
          if (accepted(at)) times.push(at);
          if (times.length === limit) break;
        }
        if (candidates.length < 50) break;
        reference = candidates[candidates.length - 1]!;
      }
      return times.reverse();
    },
  };
  return { ok: true, calendar };
}

function isTimeZone(timezone: string): boolean {
  if (timezone.length === 0 || timezone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function localTimeFormatter(timezone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}
