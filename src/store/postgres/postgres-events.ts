import type pg from 'pg';
import { STEP_END_EVENTS, type NewRunEvent, type RunEvent, type RunEventType } from '../run-events.js';
import type { RunEventAnnouncer } from '../run-event-announcer.js';
import type { RunEventStore } from '../run-events-store.js';

type Row = Record<string, unknown>;

/** The channel that carries "run <payload> has new events" between processes. */
export const RUN_EVENTS_CHANNEL = 'slipway_run_events';

const TERMINAL_STATUSES = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

/** How long run ids gather before one NOTIFY statement announces them to the other processes. */
const NOTIFY_GATHER_MS = 5;

/**
 * Appends `events` to `runId`'s log inside the caller's transaction (`client` is in
 * BEGIN): one statement bumps the counter on the run row — which locks it, so a run's
 * events commit in `seq` order — and inserts the rows; ends of a step's attempt delete its
 * `step.delta` rows, a terminal `run.status` all of the run's. Returns true when something
 * was appended; the caller then announces the run after COMMIT.
 *
 * A write that changes the run row anyway bumps the counter in its own UPDATE
 * (`event_seq = event_seq + <n> … RETURNING event_seq`) and passes the result as `bumpedTo`:
 * one row version instead of two.
 */
export async function appendRunEventsPg(
  client: pg.PoolClient,
  runId: string,
  events: readonly NewRunEvent[],
  now: number,
  options: { bumpedTo?: number } = {},
): Promise<boolean> {
  if (events.length === 0) return false;
  const types: string[] = [];
  const stepIds: (string | null)[] = [];
  const data: string[] = [];
  const endedSteps: string[] = [];
  let runEnded = false;
  for (const event of events) {
    const stepId = 'step_id' in event.data ? (event.data.step_id as string) : null;
    types.push(event.type);
    stepIds.push(stepId);
    data.push(JSON.stringify(event.data));
    if (STEP_END_EVENTS.has(event.type) && stepId !== null) endedSteps.push(stepId);
    if (event.type === 'run.status' && TERMINAL_STATUSES.has(event.data.status)) runEnded = true;
  }
  if (endedSteps.length > 0 || runEnded) {
    await client.query(
      `DELETE FROM run_events WHERE run_id = $1 AND type = 'step.delta' AND ($2 OR step_id = ANY($3::text[]))`,
      [runId, runEnded, endedSteps],
    );
  }
  const insert = `INSERT INTO run_events (run_id, seq, type, step_id, data, created_at)
     SELECT $1, bumped.event_seq - $2 + e.n, e.type, e.step_id, e.data::json, $6
     FROM bumped, unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS e(type, step_id, data, n)`;
  const result = options.bumpedTo === undefined
    ? await client.query(`WITH bumped AS (UPDATE runs SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq) ${insert}`, [runId, events.length, types, stepIds, data, now])
    : await client.query(`WITH bumped AS (SELECT $7::integer AS event_seq) ${insert}`, [runId, events.length, types, stepIds, data, now, options.bumpedTo]);
  return (result.rowCount ?? 0) > 0;
}

const toRunEvent = (row: Row): RunEvent => ({
  runId: row.run_id as string,
  seq: Number(row.seq),
  type: row.type as RunEventType,
  data: row.data as string,
  createdAt: Number(row.created_at),
});

export interface PostgresEventDeps {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  announcer: RunEventAnnouncer;
  /** Starts the LISTEN connection (once) so other processes' NOTIFYs reach `announcer`. */
  ensureListening(): void;
}

/**
 * Run event reads of the PostgreSQL store, and the cross-process signal: after a commit
 * that appended events, `announceRunEvents` wakes this process's readers at once and sends
 * one NOTIFY (payload: the run id) for the other processes, coalesced and outside the
 * writing transaction (a NOTIFY inside it would serialize every commit, see postgres-runs.ts).
 */
export function createPostgresEvents(deps: PostgresEventDeps): RunEventStore & { announceRunEvents(runId: string): void } {
  const pending = new Set<string>();
  let sending = false;

  function announceRunEvents(runId: string) {
    deps.announcer.announce(runId);
    pending.add(runId);
    if (sending) return;
    sending = true;
    void (async () => {
      // A few milliseconds of gathering: the runs of a busy worker share one NOTIFY statement
      // (one round trip for many), readers in other processes see them that much later.
      await new Promise((resolve) => setTimeout(resolve, NOTIFY_GATHER_MS));
      while (pending.size > 0) {
        const ids = [...pending];
        pending.clear();
        // A lost notification only delays a reader to its next safety poll.
        await deps.query('SELECT pg_notify($1, id) FROM unnest($2::text[]) AS id', [RUN_EVENTS_CHANNEL, ids]).catch(() => {});
      }
      sending = false;
    })();
  }

  return {
    crossProcessEventNotifications: true,
    announceRunEvents,

    async listRunEvents(runId, afterSeq, limit) {
      const rows = await deps.query('SELECT * FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [runId, afterSeq, limit]);
      return rows.map(toRunEvent);
    },

    async latestRunEventSeqs(runIds) {
      const rows = await deps.query('SELECT id, event_seq FROM runs WHERE id = ANY($1::text[])', [runIds]);
      return new Map(rows.map((row) => [row.id as string, Number(row.event_seq)]));
    },

    onRunEvents(listener) {
      deps.ensureListening();
      return deps.announcer.on(listener);
    },

    async appendStepDelta(lease, delta) {
      if (delta.runId !== lease.runId) return false;
      const appended = await deps.transaction(async (client) => {
        const live = await client.query(
          `SELECT 1 FROM runs r JOIN step_attempts a ON a.run_id = r.id
           WHERE r.id = $1 AND r.lease_owner = $2 AND r.claim_token = $3 AND r.status = 'RUNNING'
             AND a.step_id = $4 AND a.attempt = $5 AND a.status = 'RUNNING'
           FOR NO KEY UPDATE OF r`,
          [lease.runId, lease.workerId, lease.claimToken, delta.stepId, delta.attempt],
        );
        if (live.rows.length === 0) return false;
        return appendRunEventsPg(client, delta.runId, [
          { type: 'step.delta', data: { step_id: delta.stepId, attempt: delta.attempt, text: delta.text } },
        ], delta.now);
      });
      if (appended) announceRunEvents(delta.runId);
      return appended;
    },
  };
}
