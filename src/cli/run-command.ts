import { InvalidArgumentError, type Command } from 'commander';
import { createSlipwayClient, SlipwayApiError } from '../client/slipway-client.js';
import type { InputSchemaItem } from '../api/schemas.js';

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

export function registerRunCommand(program: Command) {
  program
    .command('run <workflowId>')
    .description('start a run over HTTP (SLIPWAY_URL, SLIPWAY_TOKEN)')
    .option('-i, --input <key=value>', 'an input; repeat for each', collectInput, [] as [string, string][])
    .option('--idempotency-key <key>', 'Idempotency-Key header')
    .option('--wait', 'wait until the run finishes and print it')
    .option('--json', 'print JSON')
    .action(async (workflowId: string, options: { input: [string, string][]; idempotencyKey?: string; wait?: boolean; json?: boolean }) => {
      const baseUrl = process.env.SLIPWAY_URL ?? 'http://127.0.0.1:8080';
      const token = process.env.SLIPWAY_TOKEN;
      if (!token) throw new Error('set SLIPWAY_TOKEN to an API token (slat_…)');
      const client = createSlipwayClient({ baseUrl, token });
      try {
        const workflow = await client.getWorkflow(workflowId);
        const schema = new Map((workflow.inputSchema ?? []).map((item) => [item.variableName, item]));
        const inputs = Object.fromEntries(options.input.map(([key, raw]) => [key, coerceInput(schema.get(key), raw)]));
        const created = await client.createRun(workflowId, { inputs }, { idempotencyKey: options.idempotencyKey });
        if (!options.wait) {
          process.stdout.write(options.json ? `${JSON.stringify(created, null, 2)}\n` : `${created.run_id} ${created.status}\n`);
          return;
        }
        const run = await client.waitForRun(created.run_id, { intervalMs: 250 });
        process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
        if (run.status !== 'COMPLETED') process.exitCode = 2;
      } catch (error) {
        if (error instanceof SlipwayApiError) {
          const details = (error.body.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
          throw new Error(`${error.status} ${error.body.error}: ${error.body.message}${details}`);
        }
        throw error;
      }
    });
}
