import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import type { TokensService } from './tokens-service.js';
import type { WorkflowsService } from './workflows-service.js';

export interface BootstrapResult {
  workspaceId: number;
  /** The admin token, shown once. */
  token: string;
  workflows: { id: string; name: string }[];
}

/**
 * First start on an empty database (SPEC §6): creates the default workspace, one admin
 * token, and publishes the example workflows. Atomic across processes: only the process
 * that created the workspace does the rest. Returns null when the database was not empty.
 */
export async function bootstrapEmptyDatabase(deps: {
  store: Store;
  clock: Clock;
  tokens: TokensService;
  workflows: WorkflowsService;
  examplesDir: string | null;
}): Promise<BootstrapResult | null> {
  const workspace = await deps.store.createDefaultWorkspaceIfEmpty(deps.clock.now());
  if (!workspace) return null;
  const { token } = await deps.tokens.createToken({ workspaceId: workspace.id, name: 'admin', expires: 'never', createdBy: 'slipway serve (first start)' });
  const workflows: { id: string; name: string }[] = [];
  for (const file of listExampleFiles(deps.examplesDir)) {
    const result = await deps.workflows.applyWorkflow({ workspaceId: workspace.id, text: readFileSync(file, 'utf8'), publish: true });
    workflows.push({ id: result.workflow.id, name: result.workflow.name });
  }
  return { workspaceId: workspace.id, token, workflows };
}

function listExampleFiles(dir: string | null): string[] {
  if (!dir) return [];
  try {
    return readdirSync(dir)
      .filter((name) => /\.(ya?ml|json)$/.test(name))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}
