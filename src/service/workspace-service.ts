import { parseDuration } from '../core/duration.js';
import { AppError, type ErrorDetail } from '../core/errors.js';
import { RETENTION_STATUSES } from '../store/retention-store.js';
import type { RunRetention, Store, Workspace } from '../store/store.js';

/** The longest retention one may set: about 100 years (anything longer is "forever": null). */
export const MAX_RETENTION_MS = 36_500 * 86_400_000;

/** A retention change as given: a duration text per status, null for forever, absent to keep. */
export type RetentionChange = Partial<Record<keyof RunRetention, string | null>>;

/**
 * The caller's workspace and its settings (SPEC §17 retention): read, and changed by
 * `PATCH /workspace` or `slipway workspace update`. The sweeper reads the settings at
 * every sweep, so a change applies from the next one.
 */
export function createWorkspaceService(deps: { store: Store }) {
  const { store } = deps;

  async function getWorkspace(workspaceId: number): Promise<Workspace> {
    const workspace = await store.getWorkspace(workspaceId);
    if (!workspace) throw new AppError('not_found', `No workspace ${workspaceId}.`);
    return workspace;
  }

  async function updateRetention(workspaceId: number, change: RetentionChange, pathPrefix = 'body.retention'): Promise<Workspace> {
    const parsed = parseRetentionChange(change, pathPrefix);
    if (parsed.kind === 'invalid') throw new AppError('invalid_request', 'A retention must be a duration such as 30d, 12h or 90m (at most 36500d), or null to keep runs forever.', { details: parsed.details });
    const updated = await store.updateWorkspaceRetention(workspaceId, parsed.retention);
    if (!updated) throw new AppError('not_found', `No workspace ${workspaceId}.`);
    return updated;
  }

  return { getWorkspace, updateRetention };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;

/** Duration texts to milliseconds, or the details of the ones that are not durations. */
export function parseRetentionChange(change: RetentionChange, pathPrefix: string):
  | { kind: 'parsed'; retention: Partial<RunRetention> }
  | { kind: 'invalid'; details: ErrorDetail[] } {
  const retention: Partial<RunRetention> = {};
  const details: ErrorDetail[] = [];
  for (const { key } of RETENTION_STATUSES) {
    const given = change[key];
    if (given === undefined) continue;
    if (given === null) {
      retention[key] = null;
      continue;
    }
    const ms = parseDuration(given);
    if (ms === null || ms <= 0 || ms > MAX_RETENTION_MS) details.push({ path: `${pathPrefix}.${key}`, message: `"${given}" is not a duration such as 30d, 12h or 90m (more than 0, at most 36500d)` });
    else retention[key] = ms;
  }
  return details.length > 0 ? { kind: 'invalid', details } : { kind: 'parsed', retention };
}
