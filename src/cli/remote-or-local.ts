import type { Command } from 'commander';
import { createSlipwayClient, SlipwayApiError, type SlipwayClient } from '../client/slipway-client.js';
import { loadConfig, type DatabaseTarget } from '../config/config.js';
import { systemClock } from '../core/clock.js';
import { AppError, type ErrorDetail } from '../core/errors.js';
import { createServices, hostStepTypes, openStore, secretKeyOf, stepOptionsOf } from '../server.js';
import type { Store } from '../store/store.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

type Services = ReturnType<typeof createServices>;

/** Where an admin command does its work: over the HTTP API, or straight against the database. */
export type AdminTarget =
  | {
      kind: 'remote';
      client: SlipwayClient;
      url: string;
      /** `--workspace`, when given: sent as X-Workspace-Id (another workspace than the token's → 403). */
      workspaceId: number | undefined;
    }
  | {
      kind: 'local';
      store: Store;
      services: Services;
      /** `--workspace`; required against the database. */
      workspaceId: number;
    };

/**
 * Runs one admin command either over HTTP or against the database, and says which on
 * stderr (stdout stays the command's own output, e.g. `--json`). The rule (SPEC §14):
 * over HTTP when `SLIPWAY_TOKEN` is set (`SLIPWAY_URL`, default http://127.0.0.1:8080),
 * unless `--database-url` is given on the command line; against the database otherwise
 * (`--database-url` / `SLIPWAY_DATABASE_URL`). Over HTTP `--workspace` is optional (the
 * token's workspace); against the database it is required. Errors of both ways — an
 * `AppError` of the services or a `SlipwayApiError` of the client — are rethrown as one
 * message with a line per detail, definition errors as `path: line N, column M: message`.
 *
 * Commands that exist both ways (`workflow apply`, `secret`, `schedule`, `webhook` …) use it
 * with one branch per kind:
 * @example
 * .action((name, options) => withRemoteOrLocal(program, options, async (target) => {
 *   switch (target.kind) {
 *     case 'remote': return print(await target.client.getWorkflow(name));
 *     case 'local': return print(await target.services.workflows.getWorkflow(target.workspaceId, name));
 *   }
 * }));
 */
export async function withRemoteOrLocal<T>(
  program: Command,
  options: { workspace?: number },
  action: (target: AdminTarget) => Promise<T>,
): Promise<T> {
  const token = process.env.SLIPWAY_TOKEN;
  const databaseOnCommandLine = program.getOptionValueSource('databaseUrl') === 'cli';
  if (token && !databaseOnCommandLine) {
    const url = process.env.SLIPWAY_URL || DEFAULT_URL;
    process.stderr.write(`slipway: over HTTP at ${url} (SLIPWAY_TOKEN is set)\n`);
    const client = createSlipwayClient({ baseUrl: url, token, workspaceId: options.workspace });
    return explained(() => action({ kind: 'remote', client, url, workspaceId: options.workspace }));
  }
  if (options.workspace === undefined) {
    throw new Error('--workspace <id> is required against the database (or set SLIPWAY_TOKEN and SLIPWAY_URL to work over HTTP)');
  }
  const config = loadConfig({ databaseUrl: program.opts().databaseUrl });
  process.stderr.write(`slipway: against the database ${describeDatabase(config.database)}\n`);
  const store = await openStore(config.database);
  try {
    const services = createServices(store, systemClock, await hostStepTypes(config), stepOptionsOf(config), secretKeyOf(config));
    return await explained(() => action({ kind: 'local', store, services, workspaceId: options.workspace! }));
  } finally {
    await store.close();
  }
}

/** One line per problem: `path: line N, column M: message` (the place parts where known). */
export function formatDetails(details: readonly ErrorDetail[] | undefined): string {
  return (details ?? [])
    .map((d) => `\n  ${d.path ? `${d.path}: ` : ''}${d.line != null ? `line ${d.line}, column ${d.column}: ` : ''}${d.message}`)
    .join('');
}

async function explained<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof AppError) throw new Error(`${error.message}${formatDetails(error.details)}`);
    if (error instanceof SlipwayApiError) throw new Error(`${error.status} ${error.body.error}: ${error.body.message}${formatDetails(error.body.details)}`);
    throw error;
  }
}

function describeDatabase(database: DatabaseTarget): string {
  // A PostgreSQL URL may carry a password: show the host and database only.
  if (database.kind === 'sqlite') return `sqlite:${database.path}`;
  try {
    const url = new URL(database.url);
    return `postgres://${url.host}${url.pathname}`;
  } catch {
    return 'postgres';
  }
}
