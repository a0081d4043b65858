import { toWorkflow, toWorkflowVersion } from '../rows.js';
import type { Workflow, WorkflowVersion } from '../types.js';
import type { ApplyWorkflowResult, WorkflowStore } from '../workflow-store.js';
import type { PostgresDeps } from './postgres-deps.js';

/** Workflow definitions and their immutable published versions, PostgreSQL dialect. */
export function createPostgresWorkflows(deps: PostgresDeps): WorkflowStore {
  const { query, one, transaction } = deps;

  return {
    async applyWorkflow(input): Promise<ApplyWorkflowResult> {
      const { workspaceId, workflowId, fields, now } = input;
      const definitionJson = JSON.stringify(input.definition);
      return transaction(async (client) => {
        // The upsert takes the workflow's row lock, so concurrent applies of one workflow
        // publish their versions one after the other. xmax = 0 only on a fresh insert.
        const upserted = (
          await client.query(
            `INSERT INTO workflows (workspace_id, id, uuid, name, description, categories, emoji, color, readme,
               draft_definition, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
             ON CONFLICT (workspace_id, id) DO UPDATE SET
               name = excluded.name, description = excluded.description, categories = excluded.categories,
               emoji = excluded.emoji, color = excluded.color, readme = excluded.readme,
               draft_definition = excluded.draft_definition, updated_at = excluded.updated_at
             RETURNING (xmax = 0) AS created`,
            [workspaceId, workflowId, input.uuid, fields.name, fields.description, JSON.stringify(fields.categories),
              fields.emoji, fields.color, fields.readme, definitionJson, now],
          )
        ).rows[0] as { created: boolean };
        let publishedVersion: number | null = null;
        if (input.publish) {
          // The same test as SQLite's: the stored text equals the new definition's text.
          const unchanged = (
            await client.query(
              `SELECT 1 FROM workflows w JOIN workflow_versions v
                 ON v.workspace_id = w.workspace_id AND v.workflow_id = w.id AND v.version = w.default_version
               WHERE w.workspace_id = $1 AND w.id = $2 AND v.definition::text = $3`,
              [workspaceId, workflowId, definitionJson],
            )
          ).rows.length > 0;
          if (!unchanged) {
            const next = (
              await client.query(
                `UPDATE workflows SET total_versions = total_versions + 1, default_version = total_versions + 1
                 WHERE workspace_id = $1 AND id = $2 RETURNING total_versions`,
                [workspaceId, workflowId],
              )
            ).rows[0] as { total_versions: number };
            publishedVersion = Number(next.total_versions);
            await client.query(
              'INSERT INTO workflow_versions (workspace_id, workflow_id, version, definition, created_at) VALUES ($1, $2, $3, $4, $5)',
              [workspaceId, workflowId, publishedVersion, definitionJson, now],
            );
          }
        }
        const row = (await client.query('SELECT * FROM workflows WHERE workspace_id = $1 AND id = $2', [workspaceId, workflowId])).rows[0];
        return { workflow: toWorkflow(row), created: upserted.created, publishedVersion };
      });
    },

    async getWorkflow(workspaceId, workflowId): Promise<Workflow | null> {
      const row = await one('SELECT * FROM workflows WHERE workspace_id = $1 AND id = $2', [workspaceId, workflowId]);
      return row ? toWorkflow(row) : null;
    },

    async listWorkflows(workspaceId, q) {
      const where = ['workspace_id = $1'];
      const params: unknown[] = [workspaceId];
      if (q.status === 'published') where.push('default_version > 0');
      if (q.status === 'draft') where.push('default_version = 0');
      // strpos on lower(): a plain substring test, no LIKE wildcards to escape.
      if (q.search) where.push(`strpos(lower(name), lower($${params.push(q.search)})) > 0`);
      const clause = where.join(' AND ');
      const total = Number((await one(`SELECT count(*) AS n FROM workflows WHERE ${clause}`, params))!.n);
      const items = (
        await query(
          `SELECT * FROM workflows WHERE ${clause} ORDER BY updated_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, q.limit, (q.page - 1) * q.limit],
        )
      ).map(toWorkflow);
      return { items, total };
    },

    async getWorkflowVersion(workspaceId, workflowId, version): Promise<WorkflowVersion | null> {
      const row = await one(
        'SELECT * FROM workflow_versions WHERE workspace_id = $1 AND workflow_id = $2 AND version = $3',
        [workspaceId, workflowId, version],
      );
      return row ? toWorkflowVersion(row) : null;
    },

    async listWorkflowVersions(workspaceId, workflowId) {
      return (
        await query('SELECT * FROM workflow_versions WHERE workspace_id = $1 AND workflow_id = $2 ORDER BY version DESC', [workspaceId, workflowId])
      ).map(toWorkflowVersion);
    },
  };
}
