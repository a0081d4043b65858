import type { Clock } from '../core/clock.js';
import { newUuid } from '../core/ids.js';
import type { RecordFireResult, Schedule, ScheduleStore } from '../store/schedule-store.js';
import { parseCronCalendar } from '../workflow/cron-calendar.js';

/** A fire time more than this late when a firer first sees it was missed (downtime): the schedule's `catchup` decides. */
export const ON_TIME_GRACE_MS = 60_000;
/** `catchup: all` fires at most this many missed times (the latest ones). */
export const MAX_CATCHUP_FIRES = 100;
/** Fires are kept this long (SPEC §8). */
export const FIRE_RETENTION_MS = 30 * 24 * 3_600_000;

export interface ScheduleFirerOptions {
  /** How often to look for due schedules; a fire happens within about this much of its time. */
  pollIntervalMs: number;
  /** How long a claimed schedule stays with this firer if it dies mid-fire. */
  leaseMs: number;
  workerId?: string;
  onError?: (error: unknown) => void;
}

export interface ScheduleFirerDeps {
  store: Pick<ScheduleStore, 'claimDueSchedules' | 'releaseSchedule' | 'deleteScheduleFiresBefore'>;
  clock: Clock;
  /** Records one fire and creates its run (the service's normal create path). */
  fire(schedule: Schedule, fireAt: number, overlapsLaterFire: boolean): Promise<RecordFireResult>;
}

/**
 * Which due times of a claimed schedule to fire at `now`. Times less than
 * ON_TIME_GRACE_MS late are all fired (a process with workers ran: nothing is dropped);
 * older ones were missed while no firer ran, and `catchup` picks among them: `none`,
 * `last` (the latest once) or `all` (at most 100). With `overlap: skip`, catch-up fires
 * overlap each other: all but the latest are recorded as skipped.
 */
export function planFires(schedule: Schedule, dueTimes: number[], now: number): { fireAt: number; overlapsLaterFire: boolean }[] {
  const missed = dueTimes.filter((t) => now - t > ON_TIME_GRACE_MS);
  const onTime = dueTimes.filter((t) => now - t <= ON_TIME_GRACE_MS);
  const caughtUp = schedule.catchup === 'all' ? missed.slice(-MAX_CATCHUP_FIRES) : schedule.catchup === 'last' ? missed.slice(-1) : [];
  return [
    ...caughtUp.map((fireAt, i) => ({ fireAt, overlapsLaterFire: schedule.overlap === 'skip' && i < caughtUp.length - 1 })),
    ...onTime.map((fireAt) => ({ fireAt, overlapsLaterFire: false })),
  ];
}

/**
 * The due-work loop for schedules (DESIGN §2): every poll it claims the due schedules
 * no other process holds, fires each due time through `fire`, and releases the schedule
 * with its next fire time. Exactly once per fire time comes from the store (a fire is
 * keyed by schedule and time); the claim only keeps two processes from doing the same
 * work. Started with the worker pool, so `serve --concurrency 0` does not fire.
 */
export function createScheduleFirer(deps: ScheduleFirerDeps, options: ScheduleFirerOptions) {
  const workerId = options.workerId ?? `firer-${newUuid()}`;
  let cancelTimer: (() => void) | null = null;
  let running: Promise<void> | null = null;
  let stopped = true;
  let lastPurge = 0;

  async function fireSchedule(schedule: Schedule, now: number) {
    const parsed = parseCronCalendar(schedule.cron, schedule.timezone);
    if (!parsed.ok || schedule.nextFireAt === null) {
      await deps.store.releaseSchedule(schedule.id, workerId, null);
      return;
    }
    const due = parsed.calendar.between(schedule.nextFireAt - 1, now, MAX_CATCHUP_FIRES + ON_TIME_GRACE_MS / 1000 + 1);
    for (const planned of planFires(schedule, due, now)) {
      const result = await deps.fire(schedule, planned.fireAt, planned.overlapsLaterFire);
      if (result.kind === 'schedule_gone') return;
    }
    await deps.store.releaseSchedule(schedule.id, workerId, parsed.calendar.next(now, 1)[0] ?? null);
  }

  /** One pass: claim what is due now and fire it. Tests call it directly on a fake clock. */
  async function tick(): Promise<void> {
    const now = deps.clock.now();
    for (;;) {
      const claimed = await deps.store.claimDueSchedules({ workerId, now, leaseMs: options.leaseMs, limit: 20 });
      for (const schedule of claimed) {
        try {
          await fireSchedule(schedule, now);
        } catch (error) {
          options.onError?.(error); // the claim expires and a firer tries again
        }
      }
      if (claimed.length < 20) break;
    }
    if (now - lastPurge > 3_600_000) {
      lastPurge = now;
      await deps.store.deleteScheduleFiresBefore(now - FIRE_RETENTION_MS);
    }
  }

  function schedule() {
    if (stopped) return;
    cancelTimer = deps.clock.timer(options.pollIntervalMs, () => {
      running = tick().catch((error: unknown) => options.onError?.(error)).finally(() => {
        running = null;
        schedule();
      });
    });
  }

  return {
    workerId,
    tick,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    /** Stops polling and waits for a pass in progress. */
    async stop() {
      stopped = true;
      cancelTimer?.();
      await running;
    },
  };
}

export type ScheduleFirer = ReturnType<typeof createScheduleFirer>;
