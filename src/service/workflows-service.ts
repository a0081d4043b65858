import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { newUuid, newWorkflowObjectId } from '../core/ids.js';
import type { WorkflowStatus } from '../core/states.js';
import type { StepTypeRegistry } from '../steps/step-type.js';
import type { ApplyWorkflowResult, Store, Workflow } from '../store/store.js';
import type { WorkflowDefinition } from '../workflow/definition.js';
import { toInputSchema, type InputSchemaItem } from '../workflow/inputs.js';
import { parseWorkflowDefinition, type DefinitionError } from '../workflow/parse-definition.js';

/** A workflow with what its published version defines, as the API shows it. */
export interface WorkflowView {
  workflow: Workflow;
  /** From the default version; null while the workflow has no published version. */
  inputSchema: InputSchemaItem[] | null;
  outputType: string;
}

/** One published version, as the dashboard lists them. */
export interface WorkflowVersionView {
  version: number;
  isDefault: boolean;
  createdAt: number;
  inputSchema: InputSchemaItem[];
  stepCount: number;
}

/** The 400 `invalid_definition` of a definition's errors, each detail with its path, line and column. */
export function invalidDefinition(errors: readonly DefinitionError[]): AppError {
  const first = errors[0];
  const place = first && first.line !== null ? `line ${first.line}, column ${first.column}: ` : '';
  return new AppError('invalid_definition', `The workflow definition has ${errors.length} error(s); the first: ${place}${first?.message ?? ''}`, {
    details: errors.map((e) => ({ path: e.path, line: e.line, column: e.column, message: e.message })),
  });
}

/** Applying workflow files, and reading workflows. */
export function createWorkflowsService(deps: {
  store: Store;
  clock: Clock;
  stepTypes: StepTypeRegistry;
  /** Called after every publish with the published definition (the file's `schedules:` follow it). */
  afterPublish?: (workspaceId: number, workflowId: string, definition: WorkflowDefinition) => Promise<void>;
}) {
  /**
   * Creates or updates a workflow from a YAML/JSON file; with `publish`, adds an
   * immutable version and makes it the default. `workflowId` (e.g. from `--id`)
   * updates that workflow; otherwise the file's `id`, otherwise a new `_id`.
   */
  async function applyWorkflow(input: { workspaceId: number; text: string; publish: boolean; workflowId?: string }): Promise<ApplyWorkflowResult> {
    const parsed = parseWorkflowDefinition(input.text, deps.stepTypes, { expectedId: input.workflowId });
    if (!parsed.ok) throw invalidDefinition(parsed.errors);
    const definition = parsed.definition;
    const workflowId = input.workflowId ?? definition.id ?? newWorkflowObjectId();
    const applied = await deps.store.applyWorkflow({
      workspaceId: input.workspaceId,
      workflowId,
      uuid: newUuid(),
      fields: {
        name: definition.name,
        description: definition.description ?? '',
        categories: definition.categories ?? [],
        emoji: definition.emoji ?? '',
        color: definition.color ?? '',
        readme: definition.readme ?? '',
      },
      definition,
      publish: input.publish,
      now: deps.clock.now(),
    });
    // Also when nothing new was published (same definition): a re-publish repairs what a crash between the two left.
    if (input.publish) await deps.afterPublish?.(input.workspaceId, workflowId, definition);
    return applied;
  }

  /**
   * The definition runs of the workflow would execute now, or null when unpublished. The
   * store the composition root passes in caches published versions (store/version-cache.ts).
   */
  async function publishedDefinition(workflow: Workflow): Promise<WorkflowDefinition | null> {
    if (workflow.defaultVersion === 0) return null;
    const version = await deps.store.getWorkflowVersion(workflow.workspaceId, workflow.id, workflow.defaultVersion);
    return version ? (version.definition as WorkflowDefinition) : null;
  }

  async function getWorkflow(workspaceId: number, workflowId: string): Promise<WorkflowView> {
    const workflow = await deps.store.getWorkflow(workspaceId, workflowId);
    if (!workflow) throw new AppError('not_found', `No workflow "${workflowId}" in this workspace.`);
    const published = await publishedDefinition(workflow);
    const shown = published ?? (workflow.draftDefinition as WorkflowDefinition);
    return {
      workflow,
      inputSchema: published ? toInputSchema(published.inputs) : null,
      outputType: shown.outputType ?? 'json',
    };
  }

  async function listWorkflows(workspaceId: number, query: { status?: WorkflowStatus; search?: string; page: number; limit: number }) {
    return deps.store.listWorkflows(workspaceId, query);
  }

  /** The published versions of a workflow, newest first, with what each one defines. */
  async function listVersions(workspaceId: number, workflowId: string): Promise<WorkflowVersionView[]> {
    const workflow = await deps.store.getWorkflow(workspaceId, workflowId);
    if (!workflow) throw new AppError('not_found', `No workflow "${workflowId}" in this workspace.`);
    const versions = await deps.store.listWorkflowVersions(workspaceId, workflowId);
    return versions.map((version) => {
      const definition = version.definition as WorkflowDefinition;
      return {
        version: version.version,
        isDefault: version.version === workflow.defaultVersion,
        createdAt: version.createdAt,
        inputSchema: toInputSchema(definition.inputs),
        stepCount: definition.steps.length,
      };
    });
  }

  return { applyWorkflow, getWorkflow, listWorkflows, listVersions, publishedDefinition };
}

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;
