import { stepLogLineOf, type StepLogStore } from '../step-log-store.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** Step logs on SQLite: numbered and capped in one `BEGIN IMMEDIATE` transaction, so processes take turns. */
export function createSqliteStepLogs(deps: Pick<SqliteDeps, 'db' | 'one' | 'all' | 'run'>): StepLogStore {
  return {
    async appendStepLogs(runId, lines, maxLines) {
      if (lines.length === 0) return 0;
      const append = deps.db.transaction(() => {
        const last = Number(deps.one('SELECT COALESCE(MAX(seq), 0) AS n FROM step_logs WHERE run_id = ?', runId)!.n);
        const kept = lines.slice(0, Math.max(0, maxLines - last));
        kept.forEach((line, index) => {
          deps.run(
            'INSERT INTO step_logs (run_id, seq, at, step_id, attempt, level, message, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            runId, last + index + 1, line.at, line.stepId, line.attempt, line.level, line.message, line.fields === null ? null : JSON.stringify(line.fields),
          );
        });
        return kept.length;
      });
      return append.immediate();
    },

    async listStepLogs(runId, query) {
      const rows = query.stepId === null
        ? deps.all('SELECT * FROM step_logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?', runId, query.after, query.limit)
        : deps.all('SELECT * FROM step_logs WHERE run_id = ? AND step_id = ? AND seq > ? ORDER BY seq LIMIT ?', runId, query.stepId, query.after, query.limit);
      return rows.map(stepLogLineOf);
    },
  };
}
