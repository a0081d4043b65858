import { InvalidArgumentError, Option, type Command } from 'commander';
import type { InputSchemaItem } from '../api/schemas.js';
import type { ListWaitpointsQuery, ListWaitpointsResponse, SendEventResponse, WaitpointResponse } from '../api/waitpoint-schemas.js';
import { toWaitpointResponse } from '../http/routes/waitpoint-routes.js';
import { coerceInput } from './run-command.js';
import { withRemoteOrLocal, type AdminTarget } from './remote-or-local.js';

/** Who a completion against the database is recorded as (`completed_by`). */
const LOCAL_ACTOR = 'slipway CLI';

type Pair = [string, string];

function collectPair(value: string, previous: Pair[]): Pair[] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new InvalidArgumentError('expected JSON');
  }
}

/** Free JSON data (callbacks, events): a value that parses as JSON is taken as JSON (`n=3`, `ok=true`), any other as text. */
function freeData(pairs: Pair[]): Record<string, unknown> {
  return Object.fromEntries(pairs.map(([key, raw]) => {
    try {
      return [key, JSON.parse(raw) as unknown];
    } catch {
      return [key, raw];
    }
  }));
}

/** Form data of an approval: each value typed by its field (numbers, booleans, lists, JSON), like `slipway run --input`. */
function formData(fields: WaitpointResponse['fields'], pairs: Pair[]): Record<string, unknown> {
  const byName = new Map((fields ?? []).map((field) => [String(field.variableName), field as unknown as InputSchemaItem]));
  return Object.fromEntries(pairs.map(([key, raw]) => [key, coerceInput(byName.get(key), raw)]));
}

const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
const workspaceOption = () => new Option('--workspace <id>', 'workspace id (required against the database; over HTTP the token\'s)').argParser(wholeNumber);

function describe(w: WaitpointResponse): string {
  const decided = w.decision === null ? '' : `\t${w.decision} by ${w.completed_by ?? '-'} at ${w.completed_at ?? '-'}`;
  return `${w.waitpoint_id}\t${w.kind}\t${w.status}\t${w.workflow_id}\trun ${w.run_id}\t${w.prompt ?? w.event ?? ''}${decided}`;
}

async function getWaitpoint(target: AdminTarget, waitpointId: string): Promise<WaitpointResponse> {
  return target.kind === 'remote'
    ? target.client.getWaitpoint(waitpointId)
    : toWaitpointResponse(await target.services.waitpoints.get(target.workspaceId, waitpointId));
}

async function complete(target: AdminTarget, waitpointId: string, body: { decision?: 'approved' | 'rejected'; data?: unknown }): Promise<WaitpointResponse> {
  return target.kind === 'remote'
    ? target.client.completeWaitpoint(waitpointId, body)
    : toWaitpointResponse(await target.services.waitpoints.complete(target.workspaceId, waitpointId, body, { name: LOCAL_ACTOR }));
}

interface ListOptions { status?: ListWaitpointsQuery['status']; all?: boolean; kind?: ListWaitpointsQuery['kind']; workflow?: string; page: number; limit: number; workspace?: number; json?: boolean }
interface DataOptions { data: Pair[]; workspace?: number; json?: boolean }

/**
 * `slipway waitpoint list|show|approve|reject|complete` and `slipway event send` (SPEC §7): over
 * HTTP with SLIPWAY_TOKEN (SLIPWAY_URL), else against the database with --workspace (see
 * remote-or-local.ts). `completed_by` is the token's name over HTTP, `slipway CLI` otherwise.
 */
export function registerWaitpointCommands(program: Command) {
  const waitpoint = program.command('waitpoint').description('approvals, callbacks and event waits of runs (SPEC §7)');

  waitpoint
    .command('list')
    .description('the inbox, newest first: OPEN waitpoints unless --status or --all')
    .addOption(new Option('--status <status>', 'only this status').choices(['OPEN', 'COMPLETED', 'TIMED_OUT', 'CANCELED']))
    .option('--all', 'every status')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(['approval', 'callback', 'event']))
    .option('--workflow <workflowId>', 'only waitpoints of this workflow\'s runs')
    .option('--page <n>', 'page', wholeNumber, 1)
    .option('--limit <n>', 'items per page (at most 100)', wholeNumber, 15)
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((o: ListOptions) => withRemoteOrLocal(program, o, async (target) => {
      const status = o.status ?? (o.all ? undefined : 'OPEN');
      let result: ListWaitpointsResponse;
      if (target.kind === 'remote') {
        result = await target.client.listWaitpoints({ status, kind: o.kind, workflow_id: o.workflow, page: o.page, limit: o.limit });
      } else {
        const { items, total } = await target.services.waitpoints.list(target.workspaceId, { status, kind: o.kind, workflowId: o.workflow }, { page: o.page, limit: o.limit });
        result = { data: items.map(toWaitpointResponse), pagination: { page: o.page, limit: o.limit, total, totalPages: Math.ceil(total / o.limit) } };
      }
      print(o.json, result, result.data.map(describe).join('\n') || `no ${status ?? ''} waitpoints`.replace('  ', ' '));
    }));

  waitpoint
    .command('show <waitpointId>')
    .description('one waitpoint: prompt, fields, decision (and callback_url for kind callback)')
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((waitpointId: string, o: { workspace?: number; json?: boolean }) => withRemoteOrLocal(program, o, async (target) => {
      const w = await getWaitpoint(target, waitpointId);
      const fields = (w.fields ?? []).map((f) => `\n  field ${String(f.variableName)} (${String(f.type)}${f.required ? ', required' : ''})`).join('');
      print(o.json, w, `${describe(w)}${fields}\n  approve: ${w.approve_url}${w.callback_url ? `\n  callback: ${w.callback_url}` : ''}`);
    }));

  for (const decision of ['approved', 'rejected'] as const) {
    waitpoint
      .command(`${decision === 'approved' ? 'approve' : 'reject'} <waitpointId>`)
      .description(decision === 'approved' ? 'approve an approval waitpoint; --data fills its form (checked against its fields)' : 'reject an approval waitpoint')
      .option('--data <key=value>', 'a form field; repeat for each', collectPair, [] as Pair[])
      .addOption(workspaceOption())
      .option('--json', 'print JSON')
      .action((waitpointId: string, o: DataOptions) => withRemoteOrLocal(program, o, async (target) => {
        const data = o.data.length === 0 ? undefined : formData((await getWaitpoint(target, waitpointId)).fields, o.data);
        const done = await complete(target, waitpointId, { decision, ...(data !== undefined && { data }) });
        print(o.json, done, `${done.waitpoint_id} ${done.status} ${done.decision ?? ''}`.trim());
      }));
  }

  waitpoint
    .command('complete <waitpointId>')
    .description('complete a callback or event waitpoint by hand with --data')
    .option('--data <key=value>', 'a key of data (JSON values are taken as JSON); repeat for each', collectPair, [] as Pair[])
    .option('--data-json <json>', 'the whole data as JSON', jsonValue)
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((waitpointId: string, o: DataOptions & { dataJson?: unknown }) => withRemoteOrLocal(program, o, async (target) => {
      const done = await complete(target, waitpointId, { data: o.dataJson !== undefined ? o.dataJson : freeData(o.data) });
      print(o.json, done, `${done.waitpoint_id} ${done.status} ${done.decision ?? ''}`.trim());
    }));

  const event = program.command('event').description('events that event waitpoints wait for (SPEC §7)');
  event
    .command('send <name>')
    .description('send an event: completes every OPEN event waitpoint of the workspace with that name whose match is true')
    .option('--data <key=value>', 'a key of the event data (JSON values are taken as JSON); repeat for each', collectPair, [] as Pair[])
    .option('--data-json <json>', 'the whole event data as JSON', jsonValue)
    .option('--id <id>', 'de-duplication id: the same id again within 24 h matches nothing')
    .addOption(workspaceOption())
    .option('--json', 'print JSON')
    .action((name: string, o: DataOptions & { dataJson?: unknown; id?: string }) => withRemoteOrLocal(program, o, async (target) => {
      const data = o.dataJson !== undefined ? o.dataJson : freeData(o.data);
      let sent: SendEventResponse & { replayed: boolean };
      if (target.kind === 'remote') {
        sent = await target.client.sendEvent({ name, data, ...(o.id !== undefined && { id: o.id }) });
      } else {
        const result = await target.services.waitpoints.sendEvent(target.workspaceId, { name, data, ...(o.id !== undefined && { id: o.id }) });
        sent = { event_id: result.eventId, matched: result.matched, replayed: result.replayed };
      }
      print(o.json, sent, `event ${sent.event_id}: matched ${sent.matched}${sent.replayed ? ' (id seen before: replayed, nothing matched)' : ''}`);
    }));
}
