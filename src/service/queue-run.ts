import { startOfUtcDay, type Clock } from '../core/clock.js';
import { newRunId } from '../core/ids.js';
import type { CreateRunResult, NewRun, Store } from '../store/store.js';

/** What a caller decides about a new run; the id and the times are filled in here. */
export type QueuedRunFields = Omit<NewRun, 'id' | 'now' | 'dayStart'>;

/**
 * Inserts a QUEUED run through the store's atomic `createRun` (idempotency and limits
 * checked with the insert): the one place both API runs and child runs are created.
 */
export function queueRun(store: Store, clock: Clock, fields: QueuedRunFields): Promise<CreateRunResult> {
  const now = clock.now();
  return store.createRun({ ...fields, id: newRunId(), now, dayStart: startOfUtcDay(now) });
}
