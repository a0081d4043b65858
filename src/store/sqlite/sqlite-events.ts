import { STEP_END_EVENTS, type NewRunEvent, type RunEvent, type RunEventType } from '../run-events.js';
import type { RunEventAnnouncer } from '../run-event-announcer.js';
import type { RunEventStore } from '../run-events-store.js';
import type { Row } from '../rows.js';
import type { SqliteDeps } from './sqlite-deps.js';
import { multiRowInsert } from './multi-row-insert.js';

const TERMINAL_STATUS = /"status":"(COMPLETED|FAILED|CANCELED)"/;
/** Consecutive events of one write go in together: statements of 1 … 8 rows (a finish writes 3–4 at once). */
const insertEvents = multiRowInsert('INSERT INTO run_events (run_id, seq, type, step_id, data, created_at) VALUES ', '(?, ?, ?, ?, ?, ?)',
  [8, 7, 6, 5, 4, 3, 2, 1]);

/**
 * Appends `events` to `runId`'s log. Call it inside the transaction (or group-commit work)
 * of the change the events report: the `seq` counter on the run row is bumped in the same
 * transaction, so events and change commit together or not at all. Ends of a step's
 * attempt delete its `step.delta` rows; a terminal `run.status` deletes all of the run's.
 * Returns true when something was appended (the caller then calls `announce(runId)` after
 * the commit).
 */
export function appendRunEventsSqlite(deps: Pick<SqliteDeps, 'one' | 'run'>, runId: string, events: readonly NewRunEvent[], now: number): boolean {
  return appendTimedRunEventsSqlite(deps, runId, events.map((event) => ({ event, at: now })));
}

/** appendRunEventsSqlite for events of different times (`at`: their `created_at`), with one bump of the run's seq for all. */
export function appendTimedRunEventsSqlite(deps: Pick<SqliteDeps, 'one' | 'run'>, runId: string, timed: readonly { event: NewRunEvent; at: number }[]): boolean {
  if (timed.length === 0) return false;
  const bumped = deps.one('UPDATE runs SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq', timed.length, runId);
  if (!bumped) return false;
  insertRunEventsSqlite(deps, runId, Number(bumped.event_seq), timed);
  return true;
}

/**
 * Writes `timed` as the events numbered up to `lastSeq`, for a caller that already bumped the
 * run's `event_seq` by `timed.length` in its own UPDATE of the run (one statement fewer; the
 * claim and the finish do): the seqs are `lastSeq - timed.length + 1` … `lastSeq`, in order.
 */
export function insertRunEventsSqlite(deps: Pick<SqliteDeps, 'run'>, runId: string, lastSeq: number, timed: readonly { event: NewRunEvent; at: number }[]): void {
  let seq = lastSeq - timed.length;
  const datas = timed.map(({ event }) => JSON.stringify(event.data));
  // A batch that ends the run and appends no delta itself (a finish with its last checkpoint):
  // one DELETE of all the run's deltas does what each step end's and the end's would.
  const endsRun = timed.some(({ event }, i) => event.type === 'run.status' && TERMINAL_STATUS.test(datas[i]!));
  const deletedAtOnce = endsRun && timed.every(({ event }) => event.type !== 'step.delta');
  // Consecutive events go in with multi-row INSERTs (a finish writes 3–4 at once); a DELETE of
  // deltas comes after the events before it, as when each event was inserted alone.
  const pending: unknown[][] = [];
  const flush = () => {
    insertEvents(deps.run, pending);
    pending.length = 0;
  };
  if (deletedAtOnce) deps.run(`DELETE FROM run_events WHERE run_id = ? AND type = 'step.delta'`, runId);
  timed.forEach(({ event, at: now }, i) => {
    const data = datas[i]!;
    const stepId = 'step_id' in event.data ? (event.data.step_id as string) : null;
    if (!deletedAtOnce && STEP_END_EVENTS.has(event.type) && stepId !== null) {
      flush();
      deps.run(`DELETE FROM run_events WHERE run_id = ? AND type = 'step.delta' AND step_id = ?`, runId, stepId);
    }
    if (!deletedAtOnce && event.type === 'run.status' && TERMINAL_STATUS.test(data)) {
      flush();
      deps.run(`DELETE FROM run_events WHERE run_id = ? AND type = 'step.delta'`, runId);
    }
    pending.push([runId, ++seq, event.type, stepId, data, now]);
  });
  flush();
}

const toRunEvent = (row: Row): RunEvent => ({
  runId: row.run_id as string,
  seq: Number(row.seq),
  type: row.type as RunEventType,
  data: row.data as string,
  createdAt: Number(row.created_at),
});

/**
 * The run event reads of the SQLite store. SQLite cannot notify another process, so
 * `onRunEvents` reports this process's writes only; readers poll `latestRunEventSeqs` for
 * the rest (one indexed query for every watched run).
 */
export function createSqliteEvents(deps: SqliteDeps, announcer: RunEventAnnouncer): RunEventStore {
  return {
    crossProcessEventNotifications: false,

    async listRunEvents(runId, afterSeq, limit) {
      return deps.all('SELECT * FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?', runId, afterSeq, limit).map(toRunEvent);
    },

    async latestRunEventSeqs(runIds) {
      const seqs = new Map<string, number>();
      // Chunks keep the statement count small and the parameter list under SQLite's limit.
      for (let i = 0; i < runIds.length; i += 200) {
        const chunk = runIds.slice(i, i + 200);
        const rows = deps.all(`SELECT id, event_seq FROM runs WHERE id IN (${chunk.map(() => '?').join(',')})`, ...chunk);
        for (const row of rows) seqs.set(row.id as string, Number(row.event_seq));
      }
      return seqs;
    },

    onRunEvents(listener) {
      return announcer.on(listener);
    },

    async appendStepDelta(lease, delta) {
      if (delta.runId !== lease.runId) return false;
      const appended = await deps.writes.submit(() => {
        const live = deps.one(
          `SELECT 1 FROM runs r JOIN step_attempts a ON a.run_id = r.id
           WHERE r.id = ? AND r.lease_owner = ? AND r.claim_token = ? AND r.status = 'RUNNING'
             AND a.step_id = ? AND a.attempt = ? AND a.status = 'RUNNING'`,
          lease.runId, lease.workerId, lease.claimToken, delta.stepId, delta.attempt,
        );
        if (!live) return false;
        return appendRunEventsSqlite(deps, delta.runId, [
          { type: 'step.delta', data: { step_id: delta.stepId, attempt: delta.attempt, text: delta.text } },
        ], delta.now);
      });
      if (appended) announcer.announce(delta.runId);
      return appended;
    },
  };
}
