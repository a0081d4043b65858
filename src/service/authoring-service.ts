import { AppError } from '../core/errors.js';
import type { StepTypeRegistry } from '../steps/step-type.js';
import type { Store } from '../store/store.js';
import { parseWorkflowDefinition } from '../workflow/parse-definition.js';
import { workflowJsonSchema } from '../workflow/workflow-json-schema.js';
import type { WorkflowsService, WorkflowView } from './workflows-service.js';

const WORKFLOW_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** One finding of `validate`: an error blocks apply, a warning does not. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  path: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** What `PUT /workflows/{id}` did. */
export interface AppliedDefinition {
  view: WorkflowView;
  created: boolean;
  publishedVersion: number | null;
}

/**
 * Authoring over HTTP (SPEC §14): applying a definition under a given id, validating one
 * without storing anything, reading a workflow's definitions back for the editor, and the
 * definition's JSON Schema with this server's step types.
 */
export function createAuthoringService(deps: { store: Store; stepTypes: StepTypeRegistry; workflows: WorkflowsService }) {
  /** Creates or updates workflow `workflowId`; a file `id` that differs is an `invalid_definition` at `id`. */
  async function applyDefinition(input: { workspaceId: number; workflowId: string; text: string; publish: boolean }): Promise<AppliedDefinition> {
    // Reading accepts an id of any length (it is 404); creating one must keep SPEC §1's form.
    if (!WORKFLOW_ID.test(input.workflowId)) {
      throw new AppError('invalid_request', `"${input.workflowId.slice(0, 80)}" is not a workflow id.`, {
        details: [{ path: 'params.workflowId', message: 'must match ^[A-Za-z0-9_-]{1,64}$' }],
      });
    }
    const result = await deps.workflows.applyWorkflow(input);
    const view = await deps.workflows.getWorkflow(input.workspaceId, result.workflow.id);
    return { view, created: result.created, publishedVersion: result.publishedVersion };
  }

  /** Every problem apply would report, as diagnostics; stores nothing. */
  function validateDefinition(text: string, options: { expectedId?: string } = {}): { valid: boolean; diagnostics: Diagnostic[] } {
    const parsed = parseWorkflowDefinition(text, deps.stepTypes, options);
    if (parsed.ok) return { valid: true, diagnostics: [] };
    return { valid: false, diagnostics: parsed.errors.map((e) => ({ severity: 'error', ...e })) };
  }

  /** The last applied definition and the default version's, for the editor and its diff. */
  async function getDefinitions(workspaceId: number, workflowId: string) {
    const workflow = await deps.store.getWorkflow(workspaceId, workflowId);
    if (!workflow) throw new AppError('not_found', `No workflow "${workflowId}" in this workspace.`);
    const published = await deps.workflows.publishedDefinition(workflow);
    return {
      workflowId: workflow.id,
      draft: workflow.draftDefinition,
      published: published ? { version: workflow.defaultVersion, definition: published } : null,
    };
  }

  const schema = workflowJsonSchema(deps.stepTypes);
  /** The JSON Schema of definition files, with the built-in and the host's step types. */
  const definitionJsonSchema = () => schema;

  return { applyDefinition, validateDefinition, getDefinitions, definitionJsonSchema };
}

export type AuthoringService = ReturnType<typeof createAuthoringService>;
