import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { systemClock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { isTerminal } from '../../core/states.js';
import { createRunExecutor } from '../../engine/run-executor.js';
import { createWorkerPool, workerPoolDepsOf } from '../../engine/worker-pool.js';
import { createServices, hostStepTypes, openStore, stepOptionsOf } from '../../server.js';
import { createChildRuns } from '../../service/child-runs.js';
import type { Store } from '../../store/store.js';
import type { StepDefinition, WorkflowDefinition } from '../../workflow/definition.js';
import { formatDetails } from '../remote-or-local.js';
import { checkExpectations, type RunOutcome } from './expectations.js';
import { mockedStepTypes } from './mock-steps.js';
import { loadTestFile, type LoadedTestFile, type TestCase } from './test-file.js';
import { seedSecrets } from './test-secrets.js';

/** How one case (or a test file that could not run at all) came out. */
export interface CaseResult {
  file: string;
  name: string;
  failures: string[];
  durationMs: number;
}

export interface TestRunOptions {
  allowNetwork: boolean;
  /** How long one case's run may take. */
  caseTimeoutMs: number;
}

type Services = ReturnType<typeof createServices>;

/**
 * Runs every case of one test file on a throwaway embedded database (a SQLite file in a
 * fresh temporary directory, removed afterwards): the workflow is applied and published
 * there, then each case is a real run through the real engine, with the case's mocks
 * wrapped around the step types (see mock-steps.ts). Nothing touches the configured database.
 */
export async function runTestFile(path: string, options: TestRunOptions): Promise<CaseResult[]> {
  const started = Date.now();
  const loaded = loadTestFile(path);
  if (!loaded.ok) return [{ file: path, name: '(test file)', failures: [loaded.message], durationMs: Date.now() - started }];
  const dir = mkdtempSync(join(tmpdir(), 'slipway-test-'));
  const config = loadConfig({ databaseUrl: `sqlite:${join(dir, 'test.db')}`, concurrency: 1 });
  const store = await openStore(config.database);
  try {
    const services = createServices(store, systemClock, await hostStepTypes(config), stepOptionsOf(config), randomBytes(32));
    const prepared = await prepare(store, services, loaded.file);
    if (!prepared.ok) return [{ file: path, name: '(test file)', failures: [prepared.message], durationMs: Date.now() - started }];
    const results: CaseResult[] = [];
    for (const testCase of loaded.file.cases) {
      const caseStarted = Date.now();
      const failures = await runCase(store, services, prepared, testCase, options);
      results.push({ file: path, name: testCase.name, failures, durationMs: Date.now() - caseStarted });
    }
    return results;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Prepared {
  ok: true;
  workspaceId: number;
  workflowId: string;
  stepIds: Set<string>;
}

async function prepare(store: Store, services: Services, file: LoadedTestFile): Promise<Prepared | { ok: false; message: string }> {
  const workspace = await store.createWorkspace({ name: 'slipway test', organizationId: null, dailyRunLimit: null, concurrentRunLimit: null, now: systemClock.now() });
  const seeded = await seedSecrets({ secrets: services.secrets, workspaceId: workspace.id, values: file.secrets });
  if (!seeded.ok) return seeded;
  try {
    const applied = await services.workflows.applyWorkflow({ workspaceId: workspace.id, text: file.workflowText, publish: true });
    const definition = applied.workflow.draftDefinition as WorkflowDefinition;
    return { ok: true, workspaceId: workspace.id, workflowId: applied.workflow.id, stepIds: allStepIds(definition.steps) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, message: `${file.workflowPath}: ${error.message}${formatDetails(error.details)}` };
    throw error;
  }
}

async function runCase(store: Store, services: Services, prepared: Prepared, testCase: TestCase, options: TestRunOptions): Promise<string[]> {
  const mocks = new Map(Object.entries(testCase.mocks ?? {}));
  const unknown = [...mocks.keys()].filter((id) => !prepared.stepIds.has(id));
  if (unknown.length > 0) return [`mocks: ${unknown.join(', ')} name no step of the workflow (steps: ${[...prepared.stepIds].join(', ')})`];
  let runId: string;
  try {
    const created = await services.runs.createRun({
      workspaceId: prepared.workspaceId, workflowId: prepared.workflowId, inputs: testCase.inputs ?? {}, metadata: testCase.metadata, idempotencyKey: undefined,
    });
    runId = created.kind === 'run' ? created.run.id : created.deleted.id;
  } catch (error) {
    if (error instanceof AppError) return [`the run was refused: ${error.message}${formatDetails(error.details)}`];
    throw error;
  }
  const executor = createRunExecutor({
    store,
    clock: systemClock,
    stepTypes: mockedStepTypes(services.stepTypes, mocks, { allowNetwork: options.allowNetwork }),
    childRuns: createChildRuns({ store, clock: systemClock, workflows: services.workflows }),
    secrets: { values: services.secrets.valuesFor, markUsed: services.secrets.markUsed },
  });
  const errors: unknown[] = [];
  const pool = createWorkerPool(workerPoolDepsOf(store, systemClock, executor), { concurrency: 1, leaseMs: 30_000, pollIntervalMs: 25, shutdownGraceMs: 1000, onError: (e) => errors.push(e) });
  pool.start();
  try {
    const outcome = await waitForRun(store, services, prepared.workspaceId, runId, options.caseTimeoutMs);
    if (!outcome) return [`the run did not finish within ${options.caseTimeoutMs} ms${errors.length ? ` (${String(errors[0])})` : ''}`];
    return await checkExpectations(testCase.expect ?? {}, outcome);
  } finally {
    await pool.stop();
  }
}

async function waitForRun(store: Store, services: Services, workspaceId: number, runId: string, timeoutMs: number): Promise<RunOutcome | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await store.getRun(workspaceId, runId);
    if (run && isTerminal(run.status)) {
      const steps: RunOutcome['steps'] = {};
      for (const step of await services.runSteps.listRunSteps(workspaceId, runId)) steps[step.id] = { status: step.status, output: step.output, error: step.error };
      return { status: run.status, output: run.output ?? null, error: run.error, inputs: run.inputs, steps };
    }
    if (Date.now() > deadline) return null;
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** Every step id a mock may name: the workflow's steps and, recursively, `map` sub-steps. */
function allStepIds(steps: readonly StepDefinition[], into = new Set<string>()): Set<string> {
  for (const step of steps) {
    into.add(step.id);
    const nested = step.with?.steps;
    if (Array.isArray(nested)) allStepIds(nested as StepDefinition[], into);
  }
  return into;
}
