import { InvalidArgumentError, type Command } from 'commander';
import type { InputSchemaItem } from '../api/schemas.js';
import { runBatchFile } from './batch-command.js';
import { readableApiError, registerRunWatchCommand, remoteClient, watchToEnd } from './run-progress.js';

/** Turns `key=value` into a typed input using the workflow's input schema (numbers, booleans, lists, JSON). */
export function coerceInput(item: InputSchemaItem | undefined, raw: string): unknown {
  switch (item?.type) {
    case 'number':
    case 'integer':
      return raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'multiselect':
      return raw === '' ? [] : raw.split(',').map((v) => v.trim());
    case 'json':
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function collectInput(value: string, previous: [string, string][]): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return [...previous, [value.slice(0, eq), value.slice(eq + 1)]];
}

/**
 * `slipway run <workflowId> …` starts a run over HTTP (SLIPWAY_URL, SLIPWAY_TOKEN); with
 * `--wait` it streams the run's progress (stderr) and prints the run (stdout) when it ends.
 * `slipway run watch <runId>` follows a run that exists.
 */
export function registerRunCommand(program: Command) {
  const run = program.command('run').description('start a run over HTTP (SLIPWAY_URL, SLIPWAY_TOKEN), or watch one');
  run
    .command('start <workflowId>', { isDefault: true })
    .description('start a run (the default: `slipway run <workflowId>`)')
    .option('-i, --input <key=value>', 'an input; repeat for each', collectInput, [] as [string, string][])
    .option('--idempotency-key <key>', 'Idempotency-Key header')
    .option('--wait', 'stream progress until the run ends, then print it; exit 0 completed, 2 failed, 3 canceled')
    .option('--priority <seconds>', 'seconds of queue credit within the workspace (0–86400)', (value: string) => {
      if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a whole number of seconds, 0 to 86400');
      return Number(value);
    })
    .option('--delay <duration>', 'not claimable before this long from now, e.g. 30s, 10m')
    .option('--not-before <iso>', 'not claimable before this ISO 8601 time')
    .option('--ttl <duration>', 'canceled (expired) when not claimed within this long, e.g. 1h')
    .option('--batch <file.jsonl>', 'create many runs: one JSON object per line ({"inputs": {…}, "metadata"?, "idempotency_key"?}), sent 1,000 per request')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, options: {
      input: [string, string][]; idempotencyKey?: string; wait?: boolean; json?: boolean; batch?: string;
      priority?: number; delay?: string; notBefore?: string; ttl?: string;
    }) => {
      try {
        const client = remoteClient();
        if (options.batch !== undefined) {
          if (options.input.length > 0 || options.idempotencyKey !== undefined || options.wait) throw new Error('--batch takes its inputs and keys from the file (no --input, --idempotency-key or --wait)');
          return await runBatchFile(client, workflowId, options.batch, { json: options.json });
        }
        const workflow = await client.getWorkflow(workflowId);
        const schema = new Map((workflow.inputSchema ?? []).map((item) => [item.variableName, item]));
        const inputs = Object.fromEntries(options.input.map(([key, raw]) => [key, coerceInput(schema.get(key), raw)]));
        const flow = {
          ...(options.priority !== undefined ? { priority: options.priority } : {}), ...(options.delay !== undefined ? { delay: options.delay } : {}),
          ...(options.notBefore !== undefined ? { not_before: options.notBefore } : {}), ...(options.ttl !== undefined ? { ttl: options.ttl } : {}),
        };
        const created = await client.createRun(workflowId, { inputs, ...flow }, { idempotencyKey: options.idempotencyKey });
        if (!options.wait) {
          process.stdout.write(options.json ? `${JSON.stringify(created, null, 2)}\n` : `${created.run_id} ${created.status}\n`);
          return;
        }
        if (!options.json) process.stderr.write(`run ${created.run_id}\n`);
        await watchToEnd(client, created.run_id, { json: options.json });
      } catch (error) {
        throw readableApiError(error);
      }
    });
  registerRunWatchCommand(run);
}
