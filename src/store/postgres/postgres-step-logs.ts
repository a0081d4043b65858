import { stepLogLineOf, type StepLogStore } from '../step-log-store.js';
import type { PostgresDeps } from './postgres-deps.js';

/** Step logs on PostgreSQL: a transaction-level advisory lock per run numbers the lines and holds the cap across processes. */
export function createPostgresStepLogs(deps: Pick<PostgresDeps, 'query' | 'transaction'>): StepLogStore {
  return {
    async appendStepLogs(runId, lines, maxLines) {
      if (lines.length === 0) return 0;
      return deps.transaction(async (client) => {
        await client.query("SELECT pg_advisory_xact_lock(hashtext('step_logs:' || $1))", [runId]);
        const last = Number((await client.query('SELECT COALESCE(MAX(seq), 0) AS n FROM step_logs WHERE run_id = $1', [runId])).rows[0].n);
        const kept = lines.slice(0, Math.max(0, maxLines - last));
        for (const [index, line] of kept.entries()) {
          await client.query(
            'INSERT INTO step_logs (run_id, seq, at, step_id, attempt, level, message, fields) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
            [runId, last + index + 1, line.at, line.stepId, line.attempt, line.level, line.message, line.fields === null ? null : JSON.stringify(line.fields)],
          );
        }
        return kept.length;
      });
    },

    async listStepLogs(runId, query) {
      const rows = query.stepId === null
        ? await deps.query('SELECT * FROM step_logs WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [runId, query.after, query.limit])
        : await deps.query('SELECT * FROM step_logs WHERE run_id = $1 AND step_id = $2 AND seq > $3 ORDER BY seq LIMIT $4', [runId, query.stepId, query.after, query.limit]);
      return rows.map(stepLogLineOf);
    },
  };
}
