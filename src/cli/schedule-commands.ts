import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CreateScheduleBody, Schedule, ScheduleFire } from '../api/schedule-schemas.js';
import { toScheduleDetail, toScheduleFireResponse, toScheduleResponse } from '../http/schedule-presenters.js';
import { withRemoteOrLocal, type AdminTarget } from './remote-or-local.js';
import { coerceInput } from './run-command.js';

function collectInput(value: string, previous: [string, string][]): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

function line(s: Schedule): string {
  const state = s.paused ? 'paused' : `next ${s.next_fire_at ?? '-'}`;
  return `${s.schedule_id}  ${s.workflow_id}  "${s.cron}" ${s.timezone}  ${state}  ${s.source}${s.definition_id ? `:${s.definition_id}` : ''}`;
}

const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

type Action = 'pause' | 'resume' | 'trigger' | 'delete';

/** One schedule action on either target; the answer as the API shows it. */
async function act(target: AdminTarget, action: Action, id: string): Promise<Schedule & { fire?: ScheduleFire }> {
  if (target.kind === 'remote') {
    const c = target.client;
    switch (action) {
      case 'pause': return c.pauseSchedule(id);
      case 'resume': return c.resumeSchedule(id);
      case 'trigger': return c.triggerSchedule(id);
      case 'delete': {
        const before = await c.getSchedule(id);
        await c.deleteSchedule(id);
        return before;
      }
    }
  }
  const s = target.services.schedules;
  const ws = target.workspaceId;
  switch (action) {
    case 'pause': return toScheduleDetail(await s.pauseSchedule(ws, id));
    case 'resume': return toScheduleDetail(await s.resumeSchedule(ws, id));
    case 'trigger': {
      const { fire, ...view } = await s.triggerSchedule(ws, id);
      return { ...toScheduleDetail(view), fire: toScheduleFireResponse(fire) };
    }
    case 'delete': {
      const before = toScheduleDetail(await s.getSchedule(ws, id));
      await s.deleteSchedule(ws, id);
      return before;
    }
  }
}

interface CreateOptions {
  cron: string;
  timezone: string;
  input: [string, string][];
  overlap?: 'skip' | 'allow';
  catchup?: 'none' | 'last' | 'all';
  paused?: boolean;
  workspace?: number;
  json?: boolean;
}

/**
 * `slipway schedule create|list|pause|resume|trigger|delete` (SPEC §8): over HTTP with
 * SLIPWAY_TOKEN (SLIPWAY_URL), else against the database with --workspace.
 */
export function registerScheduleCommands(program: Command) {
  const schedule = program.command('schedule').description('cron schedules that start runs (over HTTP with SLIPWAY_TOKEN, else against the database)');
  const workspaceOption = () => new Option('--workspace <id>', 'workspace id (required against the database; over HTTP the token\'s)').argParser(wholeNumber);

  schedule
    .command('create <workflowId>')
    .description('create a schedule of a workflow')
    .requiredOption('--cron <expression>', '5 fields, or 6 with leading seconds, or @hourly … @yearly')
    .option('--timezone <zone>', 'IANA time zone', 'UTC')
    .option('-i, --input <key=value>', 'an input; repeat for each', collectInput, [] as [string, string][])
    .addOption(new Option('--overlap <mode>', 'skip a fire while a run of the schedule is active, or allow it').choices(['skip', 'allow']))
    .addOption(new Option('--catchup <mode>', 'missed fires after downtime').choices(['none', 'last', 'all']))
    .option('--paused', 'create it paused')
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((workflowId: string, o: CreateOptions) =>
      withRemoteOrLocal(program, o, async (target) => {
        const workflow = target.kind === 'remote'
          ? await target.client.getWorkflow(workflowId)
          : { inputSchema: (await target.services.workflows.getWorkflow(target.workspaceId, workflowId)).inputSchema };
        const types = new Map((workflow.inputSchema ?? []).map((item) => [item.variableName, item]));
        const inputs = Object.fromEntries(o.input.map(([key, raw]) => [key, coerceInput(types.get(key), raw)]));
        const fields = { cron: o.cron, timezone: o.timezone, inputs, overlap: o.overlap, catchup: o.catchup, paused: o.paused };
        const body: CreateScheduleBody = { workflow_id: workflowId, ...fields };
        const created = target.kind === 'remote'
          ? await target.client.createSchedule(body)
          : toScheduleDetail(await target.services.schedules.createSchedule(target.workspaceId, workflowId, fields));
        print(o.json, created, `${line(created)}\nupcoming: ${(created.upcoming ?? []).join(', ') || '-'}`);
      }));

  schedule
    .command('list')
    .description('list schedules, newest first')
    .option('--workflow <workflowId>', 'only the schedules of this workflow')
    .option('--limit <n>', 'how many (1-100)', '50')
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((o: { workflow?: string; limit: string; workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, o, async (target) => {
        const limit = Number(o.limit);
        let data: Schedule[];
        if (target.kind === 'remote') {
          data = (await target.client.listSchedules({ workflow_id: o.workflow, limit })).data;
        } else {
          const page = await target.services.schedules.listSchedules(target.workspaceId, { workflowId: o.workflow, page: 1, limit });
          data = page.items.map((view) => toScheduleResponse(view.schedule));
        }
        print(o.json, data, data.length === 0 ? 'no schedules' : data.map(line).join('\n'));
      }));

  const descriptions: Record<Action, string> = {
    pause: 'pause a schedule', resume: 'resume a paused schedule', trigger: 'fire a schedule now (also when paused)', delete: 'delete a schedule',
  };
  for (const action of ['pause', 'resume', 'trigger', 'delete'] as const) {
    schedule
      .command(`${action} <scheduleId>`)
      .description(descriptions[action])
      .addOption(workspaceOption())
      .option('--json', 'print JSON')
      .action((scheduleId: string, o: { workspace?: number; json?: boolean }) =>
        withRemoteOrLocal(program, o, async (target) => {
          const result = await act(target, action, scheduleId);
          const text = action === 'trigger' && result.fire
            ? `fired ${result.fire.fire_at}: ${result.fire.outcome}${result.fire.run_id ? ` (run ${result.fire.run_id})` : ''}`
            : action === 'delete' ? `deleted ${scheduleId}` : line(result);
          print(o.json, result, text);
        }));
  }
}
