import type { Command } from 'commander';
import type { RunStreamEvent } from '../api/run-events-schemas.js';
import { createSlipwayClient, SlipwayApiError, type SlipwayClient } from '../client/slipway-client.js';

/** The client of the remote commands: `SLIPWAY_URL` (default http://127.0.0.1:8080) and `SLIPWAY_TOKEN`. */
export function remoteClient(): SlipwayClient {
  const baseUrl = process.env.SLIPWAY_URL ?? 'http://127.0.0.1:8080';
  const token = process.env.SLIPWAY_TOKEN;
  if (!token) throw new Error('set SLIPWAY_TOKEN to an API token (slat_…)');
  return createSlipwayClient({ baseUrl, token, retryRateLimited: true });
}

/** Exit codes of `run --wait` and `run watch`: 0 completed, 2 failed, 3 canceled. */
export function exitCodeOf(status: string): number {
  return status === 'COMPLETED' ? 0 : status === 'CANCELED' ? 3 : 2;
}

const time = (iso: unknown) => (typeof iso === 'string' ? iso.slice(11, 23) : '');

/** One line per event for a person watching (streamed LLM text is written as it comes). */
export function progressLine(event: RunStreamEvent, openDelta: { stepId: string | null }): string {
  const d = event.data as Record<string, any>;
  let prefix = '';
  if (event.type !== 'step.delta' && openDelta.stepId !== null) {
    prefix = '\n';
    openDelta.stepId = null;
  }
  switch (event.type) {
    case 'run.status':
      return `${prefix}${time(d.at)} run ${d.status}${d.error ? `: ${d.error.code} ${d.error.message}` : ''}\n`;
    case 'step.started':
      return `${prefix}${time(d.at)} ${d.step_id} started${d.attempt > 1 ? ` (attempt ${d.attempt})` : ''}\n`;
    case 'step.completed':
      return `${prefix}${time(d.at)} ${d.step_id} completed\n`;
    case 'step.failed':
      return `${prefix}${time(d.at)} ${d.step_id} failed: ${d.error?.message ?? ''}${d.retry_at ? ` (retry at ${time(d.retry_at)})` : ''}\n`;
    case 'step.waiting':
      return `${prefix}${time(d.at)} ${d.step_id} waiting (${d.reason})${d.until ? ` until ${time(d.until)}` : ''}\n`;
    case 'step.skipped':
      return `${prefix}${time(d.at)} ${d.step_id} skipped\n`;
    case 'step.delta': {
      const head = openDelta.stepId === d.step_id ? '' : `${prefix}${d.step_id} » `;
      openDelta.stepId = d.step_id as string;
      return `${head}${String(d.text)}`;
    }
    default:
      return `${prefix}${time(d.at)} ${event.type}\n`;
  }
}

/**
 * Follows a run's events to its end, writing progress to stderr (stdout stays for the
 * result), then prints the run as JSON on stdout and sets the exit code by its status.
 */
export async function watchToEnd(client: SlipwayClient, runId: string, options: { json?: boolean; quiet?: boolean } = {}) {
  const openDelta = { stepId: null as string | null };
  for await (const event of client.streamRunEvents(runId)) {
    if (options.json) process.stderr.write(`${JSON.stringify(event)}\n`);
    else if (!options.quiet) process.stderr.write(progressLine(event, openDelta));
  }
  const run = await client.getRun(runId);
  process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  process.exitCode = exitCodeOf(run.status);
}

/** API errors as one readable line, with the details of a validation error. */
export function readableApiError(error: unknown): Error {
  if (!(error instanceof SlipwayApiError)) return error as Error;
  const details = (error.body.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
  return new Error(`${error.status} ${error.body.error}: ${error.body.message}${details}`);
}

/** `slipway run watch <runId>`: streams a run's progress until it ends. */
export function registerRunWatchCommand(run: Command) {
  run
    .command('watch <runId>')
    .description('follow a run\'s events until it ends: progress on stderr, the run on stdout; exit 0 completed, 2 failed, 3 canceled')
    .option('--json', 'write each event as a JSON line on stderr instead of progress lines')
    .action(async (runId: string, options: { json?: boolean }) => {
      try {
        await watchToEnd(remoteClient(), runId, options);
      } catch (error) {
        throw readableApiError(error);
      }
    });
}
