import type pg from 'pg';
import type { CreateRunResult, NewRun } from '../store.js';
import {
  EDITABLE_COLUMNS, editableValues, outcomeOf, SCHEDULE_COLUMNS, scheduleTrigger, scheduleValues, toSchedule, toScheduleFire,
} from '../schedule-rows.js';
import { FireOutcome, type RecordFireInput, type RecordFireResult, type Schedule, type ScheduleStore } from '../schedule-store.js';
import type { PostgresDeps } from './postgres-deps.js';
import { RUNS_QUEUED_CHANNEL } from './queued-listener.js';

const placeholders = (from: number, count: number) => Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');
const INSERT_SCHEDULE = `INSERT INTO schedules (${SCHEDULE_COLUMNS.join(', ')}) VALUES (${placeholders(1, SCHEDULE_COLUMNS.length)})`;
const UPSERT_SCHEDULE = `${INSERT_SCHEDULE}
  ON CONFLICT (id) DO UPDATE SET ${EDITABLE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}, lease_owner = NULL, lease_expires_at = NULL`;

type Row = Record<string, unknown>;

/**
 * Schedules and their fires, PostgreSQL dialect. Firers of every process claim due
 * schedules with `FOR UPDATE SKIP LOCKED`; a fire locks its schedule's row, so fires of
 * one schedule (and their overlap checks) happen one after another, and the
 * (schedule, fire time) primary key of `schedule_fires` makes a repeated fire a no-op.
 */
export function createPostgresSchedules(
  deps: PostgresDeps & { createRunIn: (client: pg.PoolClient, input: NewRun) => Promise<CreateRunResult> },
): ScheduleStore {
  const { query, one, transaction } = deps;

  async function recordFireIn(client: pg.PoolClient, input: RecordFireInput): Promise<RecordFireResult> {
    const rows = async (sql: string, params: unknown[]): Promise<Row[]> => (await client.query(sql, params)).rows as Row[];
    if ((await rows('SELECT id FROM schedules WHERE id = $1 FOR UPDATE', [input.scheduleId])).length === 0) return { kind: 'schedule_gone' };
    const [existing] = await rows('SELECT * FROM schedule_fires WHERE schedule_id = $1 AND fire_at = $2', [input.scheduleId, input.fireAt]);
    if (existing) return { kind: 'duplicate', fire: toScheduleFire(existing) };
    let outcome: FireOutcome;
    let runId: string | null = null;
    const attempt = input.attempt;
    if (attempt.kind === 'refused') {
      outcome = attempt.outcome;
    } else if (input.overlapsLaterFire || (input.overlap === 'skip' && (await rows(
      `SELECT 1 FROM runs WHERE schedule_id = $1 AND status IN ('QUEUED', 'STARTING', 'RUNNING') LIMIT 1`, [input.scheduleId],
    )).length > 0)) {
      outcome = FireOutcome.SKIPPED_OVERLAP;
    } else {
      const created = await deps.createRunIn(client, attempt.run);
      outcome = outcomeOf(created);
      if (created.kind === 'created') {
        runId = created.run.id;
        await rows('UPDATE runs SET run_trigger = $1, schedule_id = $2 WHERE id = $3', [
          JSON.stringify(scheduleTrigger(input.scheduleId, input.fireAt)), input.scheduleId, runId,
        ]);
      }
    }
    const [fire] = await rows(
      `INSERT INTO schedule_fires (schedule_id, fire_at, workspace_id, run_id, outcome, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [input.scheduleId, input.fireAt, input.workspaceId, runId, outcome, input.now],
    );
    await rows('UPDATE schedules SET last_fire_at = greatest(coalesce(last_fire_at, 0), $1) WHERE id = $2', [input.fireAt, input.scheduleId]);
    return { kind: 'recorded', fire: toScheduleFire(fire!) };
  }

  async function deleteIn(client: pg.PoolClient, scheduleId: string) {
    await client.query('DELETE FROM schedule_fires WHERE schedule_id = $1', [scheduleId]);
    await client.query('DELETE FROM schedules WHERE id = $1', [scheduleId]);
  }

  return {
    async createSchedule(schedule) {
      await query(INSERT_SCHEDULE, scheduleValues(schedule));
    },

    async getSchedule(workspaceId, scheduleId) {
      const row = await one('SELECT * FROM schedules WHERE workspace_id = $1 AND id = $2', [workspaceId, scheduleId]);
      return row ? toSchedule(row) : null;
    },

    async listSchedules(workspaceId, q) {
      const params: unknown[] = q.workflowId === undefined ? [workspaceId] : [workspaceId, q.workflowId];
      const where = q.workflowId === undefined ? 'workspace_id = $1' : 'workspace_id = $1 AND workflow_id = $2';
      const total = Number((await one(`SELECT count(*) AS n FROM schedules WHERE ${where}`, params))!.n);
      const items = (await query(
        `SELECT * FROM schedules WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, q.limit, (q.page - 1) * q.limit],
      )).map(toSchedule);
      return { items, total };
    },

    async updateSchedule(schedule) {
      const values = editableValues(schedule);
      const rows = await query(
        `UPDATE schedules SET ${EDITABLE_COLUMNS.map((c, i) => `${c} = $${i + 1}`).join(', ')}, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = $${values.length + 1} AND workspace_id = $${values.length + 2} RETURNING id`,
        [...values, schedule.id, schedule.workspaceId],
      );
      return rows.length === 1;
    },

    async deleteSchedule(workspaceId, scheduleId) {
      return transaction(async (client) => {
        const found = await client.query('SELECT 1 FROM schedules WHERE workspace_id = $1 AND id = $2 FOR UPDATE', [workspaceId, scheduleId]);
        if (found.rows.length === 0) return false;
        await deleteIn(client, scheduleId);
        return true;
      });
    },

    async replaceDefinitionSchedules(workspaceId, workflowId, schedules: Schedule[]) {
      await transaction(async (client) => {
        const keep = new Set(schedules.map((s) => s.id));
        const current = await client.query(
          `SELECT id FROM schedules WHERE workspace_id = $1 AND workflow_id = $2 AND source = 'definition' FOR UPDATE`,
          [workspaceId, workflowId],
        );
        for (const row of current.rows as { id: string }[]) if (!keep.has(row.id)) await deleteIn(client, row.id);
        for (const schedule of schedules) await client.query(UPSERT_SCHEDULE, scheduleValues(schedule));
      });
    },

    async claimDueSchedules(input) {
      const rows = await query(
        `UPDATE schedules SET lease_owner = $1, lease_expires_at = $2
         WHERE id IN (
           SELECT id FROM schedules
           WHERE next_fire_at <= $3 AND paused = 0 AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
           ORDER BY next_fire_at LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING *`,
        [input.workerId, input.now + input.leaseMs, input.now, input.limit],
      );
      return rows.map(toSchedule).sort((a, b) => (a.nextFireAt ?? 0) - (b.nextFireAt ?? 0));
    },

    async recordScheduleFire(input) {
      const result = await transaction((client) => recordFireIn(client, input));
      if (result.kind === 'recorded' && result.fire.runId !== null) {
        // After the commit (see postgres-runs.ts): a lost NOTIFY only delays pickup to the next poll.
        await query('SELECT pg_notify($1, $2)', [RUNS_QUEUED_CHANNEL, '']).catch(() => {});
        deps.notifyQueued();
      }
      return result;
    },

    async releaseSchedule(scheduleId, workerId, nextFireAt) {
      const rows = await query(
        'UPDATE schedules SET next_fire_at = $1, lease_owner = NULL, lease_expires_at = NULL WHERE id = $2 AND lease_owner = $3 RETURNING id',
        [nextFireAt, scheduleId, workerId],
      );
      return rows.length === 1;
    },

    async listScheduleFires(workspaceId, scheduleId, q) {
      const total = Number((await one('SELECT count(*) AS n FROM schedule_fires WHERE workspace_id = $1 AND schedule_id = $2', [workspaceId, scheduleId]))!.n);
      const items = (await query(
        'SELECT * FROM schedule_fires WHERE workspace_id = $1 AND schedule_id = $2 ORDER BY fire_at DESC LIMIT $3 OFFSET $4',
        [workspaceId, scheduleId, q.limit, (q.page - 1) * q.limit],
      )).map(toScheduleFire);
      return { items, total };
    },

    async deleteScheduleFiresBefore(before) {
      return (await query('DELETE FROM schedule_fires WHERE created_at < $1 RETURNING 1', [before])).length;
    },
  };
}
