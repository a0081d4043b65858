import { toWorkflow, toWorkflowVersion } from '../rows.js';
import type { Workflow, WorkflowVersion } from '../types.js';
import type { ApplyWorkflowInput, ApplyWorkflowResult, WorkflowStore } from '../workflow-store.js';
import type { SqliteDeps } from './sqlite-deps.js';

/** Workflow definitions and their immutable published versions, SQLite dialect. */
export function createSqliteWorkflows(deps: SqliteDeps): WorkflowStore {
  const { db, one, all, run } = deps;

  const applyWorkflowTx = db.transaction((input: ApplyWorkflowInput): ApplyWorkflowResult => {
    const { workspaceId, workflowId, fields, now } = input;
    const definitionJson = JSON.stringify(input.definition);
    const existing = one('SELECT * FROM workflows WHERE workspace_id = ? AND id = ?', workspaceId, workflowId);
    if (existing) {
      run(
        `UPDATE workflows SET name = ?, description = ?, categories = ?, emoji = ?, color = ?, readme = ?,
           draft_definition = ?, updated_at = ? WHERE workspace_id = ? AND id = ?`,
        fields.name, fields.description, JSON.stringify(fields.categories), fields.emoji, fields.color, fields.readme,
        definitionJson, now, workspaceId, workflowId,
      );
    } else {
      run(
        `INSERT INTO workflows (workspace_id, id, uuid, name, description, categories, emoji, color, readme,
           draft_definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        workspaceId, workflowId, input.uuid, fields.name, fields.description, JSON.stringify(fields.categories),
        fields.emoji, fields.color, fields.readme, definitionJson, now, now,
      );
    }
    const publishedVersion = input.publish ? publishIfChanged(input, definitionJson) : null;
    const workflow = toWorkflow(one('SELECT * FROM workflows WHERE workspace_id = ? AND id = ?', workspaceId, workflowId)!);
    return { workflow, created: !existing, publishedVersion };
  });

  /** Adds the next version unless the default version's stored text equals the new one; returns it or null. */
  function publishIfChanged({ workspaceId, workflowId, now }: ApplyWorkflowInput, definitionJson: string): number | null {
    const current = one(
      `SELECT v.definition FROM workflows w JOIN workflow_versions v
         ON v.workspace_id = w.workspace_id AND v.workflow_id = w.id AND v.version = w.default_version
       WHERE w.workspace_id = ? AND w.id = ?`,
      workspaceId, workflowId,
    );
    if (current && current.definition === definitionJson) return null;
    const next = one(
      'UPDATE workflows SET total_versions = total_versions + 1 WHERE workspace_id = ? AND id = ? RETURNING total_versions',
      workspaceId, workflowId,
    )!;
    const version = Number(next.total_versions);
    run(
      'INSERT INTO workflow_versions (workspace_id, workflow_id, version, definition, created_at) VALUES (?, ?, ?, ?, ?)',
      workspaceId, workflowId, version, definitionJson, now,
    );
    run('UPDATE workflows SET default_version = ? WHERE workspace_id = ? AND id = ?', version, workspaceId, workflowId);
    return version;
  }

  return {
    async applyWorkflow(input) {
      return deps.writes.submit(() => applyWorkflowTx(input));
    },

    async getWorkflow(workspaceId, workflowId): Promise<Workflow | null> {
      const row = one('SELECT * FROM workflows WHERE workspace_id = ? AND id = ?', workspaceId, workflowId);
      return row ? toWorkflow(row) : null;
    },

    async listWorkflows(workspaceId, query) {
      const where = ['workspace_id = ?'];
      const params: unknown[] = [workspaceId];
      if (query.status === 'published') where.push('default_version > 0');
      if (query.status === 'draft') where.push('default_version = 0');
      if (query.search) {
        // instr() on lower() is a plain substring test: no LIKE wildcards to escape.
        where.push('instr(lower(name), lower(?)) > 0');
        params.push(query.search);
      }
      const clause = where.join(' AND ');
      const total = Number(one(`SELECT count(*) AS n FROM workflows WHERE ${clause}`, ...params)!.n);
      const items = all(
        `SELECT * FROM workflows WHERE ${clause} ORDER BY updated_at DESC, id LIMIT ? OFFSET ?`,
        ...params, query.limit, (query.page - 1) * query.limit,
      ).map(toWorkflow);
      return { items, total };
    },

    async getWorkflowVersion(workspaceId, workflowId, version): Promise<WorkflowVersion | null> {
      const row = one(
        'SELECT * FROM workflow_versions WHERE workspace_id = ? AND workflow_id = ? AND version = ?',
        workspaceId, workflowId, version,
      );
      return row ? toWorkflowVersion(row) : null;
    },

    async listWorkflowVersions(workspaceId, workflowId) {
      return all(
        'SELECT * FROM workflow_versions WHERE workspace_id = ? AND workflow_id = ? ORDER BY version DESC',
        workspaceId, workflowId,
      ).map(toWorkflowVersion);
    },
  };
}
