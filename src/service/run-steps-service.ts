import { AppError } from '../core/errors.js';
import { isTerminal, StepStatus, type RunStatus } from '../core/states.js';
import type { RunError, StepAttempt, Store } from '../store/store.js';
import type { WorkflowDefinition } from '../workflow/definition.js';

/** A step of a run as the steps endpoint shows it. */
export interface StepView {
  id: string;
  type: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'SKIPPED';
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
  output: unknown;
  error: RunError | null;
  /** The run a replay copied this step's checkpoint from (SPEC §11). */
  reusedFrom?: string;
}

/** The step records of a run: every step of its pinned version, then the sub-steps `map` recorded. */
export function createRunStepsService(deps: { store: Store }) {
  async function listRunSteps(workspaceId: number, runId: string): Promise<StepView[]> {
    const run = await deps.store.getRun(workspaceId, runId);
    if (!run) throw new AppError('not_found', `No run "${runId}" in this workspace.`);
    const version = run.workflowVersion === null ? null : await deps.store.getWorkflowVersion(workspaceId, run.workflowId, run.workflowVersion);
    const definition = version?.definition as WorkflowDefinition | undefined;
    const byStep = new Map<string, StepAttempt[]>();
    for (const attempt of await deps.store.listStepAttempts(run.id)) {
      byStep.set(attempt.stepId, [...(byStep.get(attempt.stepId) ?? []), attempt]);
    }
    const views: StepView[] = [];
    for (const step of definition?.steps ?? []) {
      views.push(toView(step.id, step.type, byStep.get(step.id) ?? [], run.status));
      byStep.delete(step.id);
    }
    const rest = [...byStep.entries()].sort(([, a], [, b]) => a[0]!.startedAt - b[0]!.startedAt);
    for (const [id, attempts] of rest) views.push(toView(id, attempts[0]!.stepType, attempts, run.status));
    const reused = run.trigger.type === 'replay' ? await deps.store.reusedStepsOf(run.id) : new Map<string, string>();
    return views.map((view) => (reused.has(view.id) ? { ...view, reusedFrom: reused.get(view.id)! } : view));
  }

  /** One step of a run with the input of its newest attempt; `not_found` for an unknown run or step. */
  async function getRunStep(workspaceId: number, runId: string, stepId: string): Promise<StepView & { input: unknown }> {
    const view = (await listRunSteps(workspaceId, runId)).find((step) => step.id === stepId);
    if (!view) throw new AppError('not_found', `No step "${stepId}" in run "${runId}".`);
    const attempts = (await deps.store.listStepAttempts(runId)).filter((a) => a.stepId === stepId).sort((a, b) => a.attempt - b.attempt);
    return { ...view, input: attempts.at(-1)?.input ?? null };
  }
  return { listRunSteps, getRunStep };
}

export type RunStepsService = ReturnType<typeof createRunStepsService>;

function toView(id: string, type: string, attempts: StepAttempt[], runStatus: RunStatus): StepView {
  const sorted = [...attempts].sort((a, b) => a.attempt - b.attempt);
  const latest = sorted[sorted.length - 1];
  const base = { id, type, attempts: sorted.filter((a) => a.status !== StepStatus.SKIPPED).length, startedAt: sorted[0]?.startedAt ?? null };
  if (!latest) return { ...base, status: 'PENDING', finishedAt: null, output: null, error: null };
  // A wait or a scheduled retry is still work in progress, unless the run ended meanwhile.
  const inProgress = latest.status === StepStatus.RUNNING || latest.status === StepStatus.WAITING || (latest.status === StepStatus.FAILED && latest.wakeAt !== null);
  if (inProgress) {
    const ended = isTerminal(runStatus);
    return { ...base, status: ended ? 'FAILED' : 'RUNNING', finishedAt: ended ? latest.finishedAt : null, output: null, error: latest.error };
  }
  const status = latest.status === StepStatus.PENDING ? 'PENDING' : latest.status;
  return {
    ...base,
    status: status as StepView['status'],
    finishedAt: latest.finishedAt,
    output: latest.status === StepStatus.COMPLETED ? latest.output : null,
    error: latest.status === StepStatus.FAILED ? latest.error : null,
  };
}
