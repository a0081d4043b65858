import { AppError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import type { WorkflowDefinition } from '../workflow/definition.js';
import { stepGraphNodes, type StepGraphNodeView } from '../workflow/step-graph-view.js';

/** The step graph of a workflow version (or of the draft), for the dashboard's graph. */
export function createWorkflowGraphService(deps: { store: Store }) {
  async function graph(workspaceId: number, workflowId: string, version: number | null): Promise<{ workflow_id: string; version: number | null; nodes: StepGraphNodeView[] }> {
    const workflow = await deps.store.getWorkflow(workspaceId, workflowId);
    if (!workflow) throw new AppError('not_found', `No workflow "${workflowId}" in this workspace.`);
    const wanted = version ?? (workflow.defaultVersion > 0 ? workflow.defaultVersion : null);
    if (wanted === null) return { workflow_id: workflow.id, version: null, nodes: stepGraphNodes((workflow.draftDefinition as WorkflowDefinition).steps ?? []) };
    const found = await deps.store.getWorkflowVersion(workspaceId, workflow.id, wanted);
    if (!found) throw new AppError('not_found', `Workflow "${workflow.id}" has no version ${wanted}.`);
    return { workflow_id: workflow.id, version: wanted, nodes: stepGraphNodes((found.definition as WorkflowDefinition).steps) };
  }
  return { graph };
}

export type WorkflowGraphService = ReturnType<typeof createWorkflowGraphService>;
