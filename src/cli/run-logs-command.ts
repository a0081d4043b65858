import { InvalidArgumentError, Option, type Command } from 'commander';
import type { RunLogsResponse } from '../api/step-log-schemas.js';
import { toLogLineResponse } from '../http/routes/step-log-routes.js';
import { withRemoteOrLocal } from './remote-or-local.js';

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** 1–1000, as the API's `limit` (the database path has no schema to refuse it). */
function lineLimit(value: string): number {
  const n = wholeNumber(value);
  if (n < 1 || n > 1000) throw new InvalidArgumentError('expected 1 to 1000');
  return n;
}

type LogLine = RunLogsResponse['data'][number];

/** One line of text: `#seq time level step[attempt] message {fields}`. */
function lineText(line: LogLine): string {
  const fields = line.fields && Object.keys(line.fields).length > 0 ? ` ${JSON.stringify(line.fields)}` : '';
  return `#${line.seq} ${line.at} ${line.level.padEnd(5)} ${line.step_id}[${line.attempt}] ${line.message}${fields}`;
}

/**
 * `slipway run logs <runId>` (SPEC §17): a run's step log lines, oldest first, over HTTP with
 * SLIPWAY_TOKEN (SLIPWAY_URL), else against the database with --workspace. Registered after
 * `registerRunCommand`, whose `run` command it extends.
 */
export function registerRunLogsCommand(program: Command) {
  const run = program.commands.find((command) => command.name() === 'run') ?? program.command('run');
  run
    .command('logs <runId>')
    .description('print a run\'s step log lines, oldest first (page with --after = the last seq seen)')
    .option('--step <stepId>', 'only this step\'s lines')
    .option('--after <seq>', 'only lines after this seq', wholeNumber)
    .option('--limit <n>', 'at most this many lines (1–1000, default 100)', lineLimit)
    .addOption(new Option('--workspace <id>', 'workspace id (required against the database; over HTTP the token\'s)').argParser(wholeNumber))
    .option('--json', 'print JSON')
    .action((runId: string, o: { step?: string; after?: number; limit?: number; workspace?: number; json?: boolean }) => withRemoteOrLocal(program, o, async (target) => {
      const lines: LogLine[] = target.kind === 'remote'
        ? (await target.client.getRunLogs(runId, { step_id: o.step, after: o.after, limit: o.limit })).data
        : (await target.services.stepLogs.listRunLogs(target.workspaceId, runId, { stepId: o.step, after: o.after, limit: o.limit })).map(toLogLineResponse);
      process.stdout.write(o.json ? `${JSON.stringify({ data: lines }, null, 2)}\n` : lines.map((line) => `${lineText(line)}\n`).join(''));
    }));
}
