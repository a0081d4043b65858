import { InvalidArgumentError, Option, type Command } from 'commander';
import type { BulkRunsBody } from '../api/run-control-schemas.js';
import { toCreateRunOutcomeResponse } from '../http/presenters.js';
import { withRemoteOrLocal } from './remote-or-local.js';

/** Who an abort against the database is recorded as ("aborted by <name>"). */
const LOCAL_ACTOR = 'slipway CLI';

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function jsonObject(value: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch { /* answered below */ }
  throw new InvalidArgumentError('expected a JSON object');
}

const collect = (value: string, previous: string[]) => [...previous, value];
const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
const workspaceOption = () => new Option('--workspace <id>', 'workspace id (required against the database; over HTTP the token\'s)').argParser(wholeNumber);

interface ReplayOptions { fromStep?: string; version?: 'same' | 'latest'; inputs?: Record<string, unknown>; idempotencyKey?: string; workspace?: number; json?: boolean }
interface BulkOptions {
  workflow?: string; status: string[]; runId: string[]; createdAfter?: string; createdBefore?: string; all?: boolean;
  fromStep?: string; dryRun?: boolean; workspace?: number; json?: boolean;
}

/**
 * `slipway run replay|abort <runId>` and `slipway runs bulk <action>` (SPEC §11): over HTTP
 * with SLIPWAY_TOKEN (SLIPWAY_URL), else against the database with --workspace. Registered
 * after `registerRunCommand`, whose `run` command it extends.
 */
export function registerRunControlCommands(program: Command) {
  const run = program.commands.find((command) => command.name() === 'run') ?? program.command('run');

  run
    .command('replay <runId>')
    .description('replay a finished run: in full, or from a step (--from-step <id> or @failed), reusing the other steps\' checkpoints')
    .option('--from-step <stepId>', 'a step id, or @failed: every failed step')
    .addOption(new Option('--version <which>', 'the source run\'s version or the workflow\'s latest').choices(['same', 'latest']))
    .option('--inputs <json>', 'other inputs, as a JSON object (full replays only)', jsonObject)
    .option('--idempotency-key <key>', 'Idempotency-Key header')
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((runId: string, o: ReplayOptions) => withRemoteOrLocal(program, o, async (target) => {
      const body = {
        ...(o.fromStep !== undefined ? { from_step: o.fromStep } : {}),
        ...(o.version !== undefined ? { version: o.version } : {}),
        ...(o.inputs !== undefined ? { inputs: o.inputs } : {}),
      };
      const created = target.kind === 'remote'
        ? await target.client.replayRun(runId, body, { idempotencyKey: o.idempotencyKey })
        : toCreateRunOutcomeResponse(await target.services.runControl.replayRun({
          workspaceId: target.workspaceId, runId, ...(o.fromStep !== undefined ? { fromStep: o.fromStep } : {}),
          ...(o.version !== undefined ? { version: o.version } : {}), ...(o.inputs !== undefined ? { inputs: o.inputs } : {}),
          ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
        }));
      print(o.json, created, `${created.run_id} ${created.status}`);
    }));

  run
    .command('abort <runId>')
    .description('abort a run: a QUEUED one is canceled, a running one ends FAILED/ABORTED within SLIPWAY_ABORT_GRACE')
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((runId: string, o: { workspace?: number; json?: boolean }) => withRemoteOrLocal(program, o, async (target) => {
      const answer = target.kind === 'remote'
        ? await target.client.abortRun(runId)
        : await target.services.runControl.abortRun(target.workspaceId, runId, LOCAL_ACTOR).then((r) => ({ run_id: r.run.id, status: r.run.status }));
      print(o.json, answer, `${answer.run_id} ${answer.status}`);
    }));

  const runs = program.commands.find((command) => command.name() === 'runs') ?? program.command('runs').description('act on many runs at once');
  runs
    .command('bulk <action>')
    .description('cancel, abort or replay the runs a filter matches (at most 10,000); --dry-run only counts')
    .option('--workflow <workflowId>', 'only runs of this workflow')
    .option('--status <status>', 'only runs in this status; repeat for several', collect, [] as string[])
    .option('--run-id <runId>', 'only this run; repeat for several', collect, [] as string[])
    .option('--created-after <time>', 'ISO 8601')
    .option('--created-before <time>', 'ISO 8601')
    .option('--all', 'act on every run of the workspace when no other filter is given')
    .option('--from-step <stepId>', 'for replay: a step id or @failed')
    .option('--dry-run', 'count, change nothing')
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((action: string, o: BulkOptions) => withRemoteOrLocal(program, o, async (target) => {
      if (action !== 'cancel' && action !== 'abort' && action !== 'replay') throw new Error('action must be cancel, abort or replay');
      const filter: BulkRunsBody['filter'] = {
        ...(o.workflow !== undefined ? { workflow_id: o.workflow } : {}),
        ...(o.status.length > 0 ? { status: o.status as NonNullable<BulkRunsBody['filter']['status']> } : {}),
        ...(o.runId.length > 0 ? { run_ids: o.runId } : {}),
        ...(o.createdAfter !== undefined ? { created_after: o.createdAfter } : {}),
        ...(o.createdBefore !== undefined ? { created_before: o.createdBefore } : {}),
        ...(o.all ? { all: true } : {}),
      };
      const answer = target.kind === 'remote'
        ? await target.client.bulkRuns({ action, filter, ...(o.fromStep !== undefined ? { from_step: o.fromStep } : {}), dry_run: o.dryRun === true })
        : await target.services.bulkRuns({
          workspaceId: target.workspaceId, action, dryRun: o.dryRun === true, by: LOCAL_ACTOR,
          ...(o.fromStep !== undefined ? { fromStep: o.fromStep } : {}),
          filter: {
            ...(o.workflow !== undefined ? { workflowId: o.workflow } : {}),
            ...(o.status.length > 0 ? { statuses: o.status as NonNullable<Parameters<typeof target.services.bulkRuns>[0]['filter']['statuses']> } : {}),
            ...(o.runId.length > 0 ? { runIds: o.runId } : {}),
            ...(o.createdAfter !== undefined ? { createdAfter: Date.parse(o.createdAfter) } : {}),
            ...(o.createdBefore !== undefined ? { createdBefore: Date.parse(o.createdBefore) } : {}),
            ...(o.all ? { all: true } : {}),
          },
        });
      print(o.json, answer, `matched ${answer.matched}, affected ${answer.affected}, refused ${answer.refused}${o.dryRun ? ' (dry run)' : ''}`);
    }));
}
