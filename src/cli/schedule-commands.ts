import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Schedule } from '../api/schedule-schemas.js';
import { createSlipwayClient, SlipwayApiError, type SlipwayClient } from '../client/slipway-client.js';
import { coerceInput } from './run-command.js';

function collectInput(value: string, previous: [string, string][]): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

/** Runs `work` with a client of SLIPWAY_URL / SLIPWAY_TOKEN; API errors become one readable line (with details). */
async function overHttp(work: (client: SlipwayClient) => Promise<void>): Promise<void> {
  const token = process.env.SLIPWAY_TOKEN;
  if (!token) throw new Error('set SLIPWAY_TOKEN to an API token (slat_…)');
  const client = createSlipwayClient({ baseUrl: process.env.SLIPWAY_URL ?? 'http://127.0.0.1:8080', token });
  try {
    await work(client);
  } catch (error) {
    if (!(error instanceof SlipwayApiError)) throw error;
    const details = (error.body.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
    throw new Error(`${error.status} ${error.body.error}: ${error.body.message}${details}`);
  }
}

function line(s: Schedule): string {
  const state = s.paused ? 'paused' : `next ${s.next_fire_at ?? '-'}`;
  return `${s.schedule_id}  ${s.workflow_id}  "${s.cron}" ${s.timezone}  ${state}  ${s.source}${s.definition_id ? `:${s.definition_id}` : ''}`;
}

const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

/** `slipway schedule create|list|pause|resume|trigger|delete`, over HTTP (SLIPWAY_URL, SLIPWAY_TOKEN). */
export function registerScheduleCommands(program: Command) {
  const schedule = program.command('schedule').description('cron schedules that start runs, over HTTP (SLIPWAY_URL, SLIPWAY_TOKEN)');

  schedule
    .command('create <workflowId>')
    .description('create a schedule of a workflow')
    .requiredOption('--cron <expression>', '5 fields, or 6 with leading seconds, or @hourly … @yearly')
    .option('--timezone <zone>', 'IANA time zone', 'UTC')
    .option('-i, --input <key=value>', 'an input; repeat for each', collectInput, [] as [string, string][])
    .addOption(new Option('--overlap <mode>', 'skip a fire while a run of the schedule is active, or allow it').choices(['skip', 'allow']))
    .addOption(new Option('--catchup <mode>', 'missed fires after downtime').choices(['none', 'last', 'all']))
    .option('--paused', 'create it paused')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, o: { cron: string; timezone: string; input: [string, string][]; overlap?: 'skip' | 'allow'; catchup?: 'none' | 'last' | 'all'; paused?: boolean; json?: boolean }) => {
      await overHttp(async (client) => {
        const workflow = await client.getWorkflow(workflowId);
        const types = new Map((workflow.inputSchema ?? []).map((item) => [item.variableName, item]));
        const inputs = Object.fromEntries(o.input.map(([key, raw]) => [key, coerceInput(types.get(key), raw)]));
        const created = await client.createSchedule({
          workflow_id: workflowId, cron: o.cron, timezone: o.timezone, inputs, overlap: o.overlap, catchup: o.catchup, paused: o.paused,
        });
        print(o.json, created, `${line(created)}\nupcoming: ${(created.upcoming ?? []).join(', ') || '-'}`);
      });
    });

  schedule
    .command('list')
    .description('list schedules, newest first')
    .option('--workflow <workflowId>', 'only the schedules of this workflow')
    .option('--limit <n>', 'how many (1-100)', '50')
    .option('--json', 'print JSON')
    .action(async (o: { workflow?: string; limit: string; json?: boolean }) => {
      await overHttp(async (client) => {
        const page = await client.listSchedules({ workflow_id: o.workflow, limit: Number(o.limit) });
        print(o.json, page, page.data.length === 0 ? 'no schedules' : page.data.map(line).join('\n'));
      });
    });

  for (const action of ['pause', 'resume', 'trigger', 'delete'] as const) {
    schedule
      .command(`${action} <scheduleId>`)
      .description({ pause: 'pause a schedule', resume: 'resume a paused schedule', trigger: 'fire a schedule now', delete: 'delete a schedule' }[action])
      .option('--json', 'print JSON')
      .action(async (scheduleId: string, o: { json?: boolean }) => {
        await overHttp(async (client) => {
          switch (action) {
            case 'pause':
            case 'resume': {
              const changed = action === 'pause' ? await client.pauseSchedule(scheduleId) : await client.resumeSchedule(scheduleId);
              print(o.json, changed, line(changed));
              return;
            }
            case 'trigger': {
              const triggered = await client.triggerSchedule(scheduleId);
              print(o.json, triggered, `fired ${triggered.fire.fire_at}: ${triggered.fire.outcome}${triggered.fire.run_id ? ` (run ${triggered.fire.run_id})` : ''}`);
              return;
            }
            case 'delete':
              await client.deleteSchedule(scheduleId);
              print(o.json, { deleted: scheduleId }, `deleted ${scheduleId}`);
          }
        });
      });
  }
}
