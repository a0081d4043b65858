import type { WorkspaceSchema } from '../api/workspace-schemas.js';
import { toIso } from '../core/clock.js';
import { formatDuration } from '../core/duration.js';
import type { Workspace } from '../store/store.js';

/** A workspace as `GET /workspace` and `slipway workspace … --json` show it; retentions as duration texts (null: forever). */
export function toWorkspaceResponse(workspace: Workspace): WorkspaceSchema {
  const text = (ms: number | null) => (ms === null ? null : formatDuration(ms));
  return {
    id: workspace.id,
    organization_id: workspace.organizationId,
    name: workspace.name,
    daily_run_limit: workspace.dailyRunLimit,
    concurrent_run_limit: workspace.concurrentRunLimit,
    retention: { completed: text(workspace.retention.completed), failed: text(workspace.retention.failed), canceled: text(workspace.retention.canceled) },
    created_at: toIso(workspace.createdAt),
  };
}
