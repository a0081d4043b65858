import { InvalidArgumentError, type Command } from 'commander';
import type { WorkspaceSchema } from '../api/workspace-schemas.js';
import { toWorkspaceResponse } from '../http/workspace-presenters.js';
import { parseRetentionChange, type RetentionChange } from '../service/workspace-service.js';
import { withRemoteOrLocal } from './remote-or-local.js';

interface UpdateOptions { retentionCompleted?: string; retentionFailed?: string; retentionCanceled?: string; json?: boolean }

/** `30d`, `12h` … or `forever` / `never` (keep runs forever). */
function retentionText(value: string): string {
  if (value === 'forever' || value === 'never') return value;
  const checked = parseRetentionChange({ completed: value }, 'retention');
  if (checked.kind === 'invalid') throw new InvalidArgumentError('expected a duration such as 30d, 12h or 90m, or "forever"');
  return value;
}

const kept = (text: string | null) => (text === null ? 'forever' : text);

/** One line per status: how long the workspace keeps its finished runs. */
export function describeRetention(workspace: WorkspaceSchema): string {
  const r = workspace.retention;
  return `workspace ${workspace.id} (${workspace.name}) keeps completed runs ${kept(r.completed)}, failed runs ${kept(r.failed)}, canceled runs ${kept(r.canceled)}`;
}

/**
 * `slipway workspace update <id> --retention-completed 30d --retention-failed 90d --retention-canceled 7d`
 * (SPEC §17) and `slipway workspace show <id>`: over HTTP with SLIPWAY_TOKEN (the id must be the
 * token's workspace, else 403), against the database otherwise, as every admin command.
 */
export function registerWorkspaceCommands(program: Command) {
  const workspace = program.commands.find((command) => command.name() === 'workspace') ?? program.command('workspace').description('manage workspaces');
  workspace
    .command('update <id>')
    .description('change how long the workspace keeps finished runs (per final status; "forever" is the default)')
    .option('--retention-completed <duration>', 'keep COMPLETED runs this long after they ended (30d, 12h, … or forever)', retentionText)
    .option('--retention-failed <duration>', 'keep FAILED runs this long after they ended', retentionText)
    .option('--retention-canceled <duration>', 'keep CANCELED runs this long after they ended', retentionText)
    .option('--json', 'print JSON')
    .action((id: string, o: UpdateOptions) => withRemoteOrLocal(program, { workspace: workspaceId(id) }, async (target) => {
      const given = (text: string | undefined) => (text === undefined ? undefined : text === 'forever' || text === 'never' ? null : text);
      const change: RetentionChange = {
        ...(o.retentionCompleted !== undefined ? { completed: given(o.retentionCompleted) } : {}),
        ...(o.retentionFailed !== undefined ? { failed: given(o.retentionFailed) } : {}),
        ...(o.retentionCanceled !== undefined ? { canceled: given(o.retentionCanceled) } : {}),
      };
      const updated = target.kind === 'remote'
        ? await target.client.updateWorkspace({ retention: change })
        : toWorkspaceResponse(await target.services.workspaces.updateRetention(target.workspaceId, change, 'retention'));
      print(o.json, updated);
    }));
  workspace
    .command('show <id>')
    .description('show a workspace with its limits and retention')
    .option('--json', 'print JSON')
    .action((id: string, o: { json?: boolean }) => withRemoteOrLocal(program, { workspace: workspaceId(id) }, async (target) => {
      const shown = target.kind === 'remote'
        ? await target.client.getWorkspace()
        : toWorkspaceResponse(await target.services.workspaces.getWorkspace(target.workspaceId));
      print(o.json, shown);
    }));
}

function workspaceId(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a workspace id, not "${text}"`);
  return n;
}

function print(json: boolean | undefined, workspace: WorkspaceSchema) {
  process.stdout.write(json ? `${JSON.stringify(workspace, null, 2)}\n` : `${describeRetention(workspace)}\n`);
}
