import type { CreateRunResult, NewRun } from '../store.js';
import {
  EDITABLE_COLUMNS, editableValues, outcomeOf, SCHEDULE_COLUMNS, scheduleTrigger, scheduleValues, toSchedule, toScheduleFire,
} from '../schedule-rows.js';
import { FireOutcome, type RecordFireInput, type RecordFireResult, type Schedule, type ScheduleStore } from '../schedule-store.js';
import type { SqliteDeps } from './sqlite-deps.js';

const INSERT_SCHEDULE = `INSERT INTO schedules (${SCHEDULE_COLUMNS.join(', ')}) VALUES (${SCHEDULE_COLUMNS.map(() => '?').join(', ')})`;
const UPSERT_SCHEDULE = `${INSERT_SCHEDULE}
  ON CONFLICT (id) DO UPDATE SET ${EDITABLE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}, lease_owner = NULL, lease_expires_at = NULL`;

/**
 * Schedules and their fires, SQLite dialect. Every write goes through the store's one
 * writer (group commit, `BEGIN IMMEDIATE`), which is what serializes firers of several
 * processes on one file: a fire, its run and its outcome are one transaction.
 */
export function createSqliteSchedules(deps: SqliteDeps & { createRunInTransaction: (input: NewRun) => CreateRunResult }): ScheduleStore {
  const { db, one, all, run, writes } = deps;

  const recordFireTx = db.transaction((input: RecordFireInput): RecordFireResult => {
    if (!one('SELECT 1 FROM schedules WHERE id = ?', input.scheduleId)) return { kind: 'schedule_gone' };
    const existing = one('SELECT * FROM schedule_fires WHERE schedule_id = ? AND fire_at = ?', input.scheduleId, input.fireAt);
    if (existing) return { kind: 'duplicate', fire: toScheduleFire(existing) };
    let outcome: FireOutcome;
    let runId: string | null = null;
    const attempt = input.attempt;
    if (attempt.kind === 'refused') {
      outcome = attempt.outcome;
    } else if (input.overlapsLaterFire || (input.overlap === 'skip' && one(
      `SELECT 1 FROM runs WHERE schedule_id = ? AND status IN ('QUEUED', 'STARTING', 'RUNNING') LIMIT 1`, input.scheduleId,
    ))) {
      outcome = FireOutcome.SKIPPED_OVERLAP;
    } else {
      const created = deps.createRunInTransaction(attempt.run);
      outcome = outcomeOf(created);
      if (created.kind === 'created') {
        runId = created.run.id;
        run('UPDATE runs SET run_trigger = ?, schedule_id = ? WHERE id = ?', JSON.stringify(scheduleTrigger(input.scheduleId, input.fireAt)), input.scheduleId, runId);
      }
    }
    const fire = one(
      `INSERT INTO schedule_fires (schedule_id, fire_at, workspace_id, run_id, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      input.scheduleId, input.fireAt, input.workspaceId, runId, outcome, input.now,
    )!;
    run('UPDATE schedules SET last_fire_at = max(coalesce(last_fire_at, 0), ?) WHERE id = ?', input.fireAt, input.scheduleId);
    return { kind: 'recorded', fire: toScheduleFire(fire) };
  });

  const replaceTx = db.transaction((workspaceId: number, workflowId: string, schedules: Schedule[]) => {
    const keep = new Set(schedules.map((s) => s.id));
    for (const row of all(`SELECT id FROM schedules WHERE workspace_id = ? AND workflow_id = ? AND source = 'definition'`, workspaceId, workflowId)) {
      if (!keep.has(row.id as string)) deleteById(row.id as string);
    }
    for (const schedule of schedules) run(UPSERT_SCHEDULE, ...scheduleValues(schedule));
  });

  function deleteById(scheduleId: string) {
    run('DELETE FROM schedule_fires WHERE schedule_id = ?', scheduleId);
    run('DELETE FROM schedules WHERE id = ?', scheduleId);
  }

  return {
    async createSchedule(schedule) {
      await writes.submit(() => run(INSERT_SCHEDULE, ...scheduleValues(schedule)));
    },

    async getSchedule(workspaceId, scheduleId) {
      const row = one('SELECT * FROM schedules WHERE workspace_id = ? AND id = ?', workspaceId, scheduleId);
      return row ? toSchedule(row) : null;
    },

    async listSchedules(workspaceId, query) {
      const where = query.workflowId === undefined ? 'workspace_id = ?' : 'workspace_id = ? AND workflow_id = ?';
      const params: unknown[] = query.workflowId === undefined ? [workspaceId] : [workspaceId, query.workflowId];
      const total = Number(one(`SELECT count(*) AS n FROM schedules WHERE ${where}`, ...params)!.n);
      const items = all(
        `SELECT * FROM schedules WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
        ...params, query.limit, (query.page - 1) * query.limit,
      ).map(toSchedule);
      return { items, total };
    },

    async updateSchedule(schedule) {
      const result = await writes.submit(() => run(
        `UPDATE schedules SET ${EDITABLE_COLUMNS.map((c) => `${c} = ?`).join(', ')}, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND workspace_id = ?`,
        ...editableValues(schedule),
        schedule.id, schedule.workspaceId,
      ));
      return result.changes === 1;
    },

    async deleteSchedule(workspaceId, scheduleId) {
      return writes.submit(() => {
        if (!one('SELECT 1 FROM schedules WHERE workspace_id = ? AND id = ?', workspaceId, scheduleId)) return false;
        deleteById(scheduleId);
        return true;
      });
    },

    async replaceDefinitionSchedules(workspaceId, workflowId, schedules) {
      await writes.submit(() => replaceTx(workspaceId, workflowId, schedules));
    },

    async claimDueSchedules(input) {
      return writes.submit(() => {
        const due = all(
          `SELECT id FROM schedules WHERE next_fire_at <= ? AND paused = 0 AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
           ORDER BY next_fire_at LIMIT ?`,
          input.now, input.now, input.limit,
        );
        return due.map(({ id }) => toSchedule(one(
          'UPDATE schedules SET lease_owner = ?, lease_expires_at = ? WHERE id = ? RETURNING *',
          input.workerId, input.now + input.leaseMs, id,
        )!));
      });
    },

    async recordScheduleFire(input) {
      const result = await writes.submit(() => recordFireTx(input));
      if (result.kind === 'recorded' && result.fire.runId !== null) deps.notifyQueued();
      return result;
    },

    async releaseSchedule(scheduleId, workerId, nextFireAt) {
      const result = await writes.submit(() => run(
        'UPDATE schedules SET next_fire_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?',
        nextFireAt, scheduleId, workerId,
      ));
      return result.changes === 1;
    },

    async listScheduleFires(workspaceId, scheduleId, query) {
      const total = Number(one('SELECT count(*) AS n FROM schedule_fires WHERE workspace_id = ? AND schedule_id = ?', workspaceId, scheduleId)!.n);
      const items = all(
        'SELECT * FROM schedule_fires WHERE workspace_id = ? AND schedule_id = ? ORDER BY fire_at DESC LIMIT ? OFFSET ?',
        workspaceId, scheduleId, query.limit, (query.page - 1) * query.limit,
      ).map(toScheduleFire);
      return { items, total };
    },

    async deleteScheduleFiresBefore(before) {
      return (await writes.submit(() => run('DELETE FROM schedule_fires WHERE created_at < ?', before))).changes;
    },
  };
}
