import type { Command } from 'commander';
import { loadConfig, parseDatabaseUrl, type DatabaseTarget } from '../config/config.js';
import { describePostgresUrl, startupError } from '../store/postgres/connection-errors.js';
import { importSqliteToPostgres } from '../store/import-sqlite-to-postgres.js';
import { migrationsSql, openStore, startSlipway } from '../server.js';

export function registerServeCommands(program: Command) {
  program
    .command('serve')
    .description('run the API, the dashboard and an embedded worker pool')
    .option('--host <host>', 'address to listen on (SLIPWAY_HOST)')
    .option('--port <port>', 'port to listen on (SLIPWAY_PORT)')
    .option('--concurrency <n>', 'run slots of the embedded worker pool; 0 = API alone (SLIPWAY_CONCURRENCY)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at /metrics on this port (SLIPWAY_METRICS_PORT; off by default)')
    .option('--metrics-host <host>', 'address of the metrics port (SLIPWAY_METRICS_HOST, default 127.0.0.1)')
    .action(async (options: { host?: string; port?: string; concurrency?: string; metricsPort?: string; metricsHost?: string }) => {
      const config = loadConfig({ ...options, databaseUrl: program.opts().databaseUrl });
      const server = await startSlipway({ config, http: true });
      // Before the ready line: whoever reads it may send SIGTERM at once.
      shutdownOnSignals(server.close);
      if (server.bootstrap) printBootstrap(server.bootstrap, server.url);
      if (server.metricsUrl) process.stdout.write(`slipway metrics on ${server.metricsUrl}/metrics\n`);
      process.stdout.write(`slipway serving on ${server.url} (database ${describe(config.database)}, ${config.concurrency} run slots)\n`);
    });

  program
    .command('worker')
    .description('run workers alone (no HTTP), claiming runs from the database')
    .option('--concurrency <n>', 'run slots (SLIPWAY_CONCURRENCY)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at /metrics on this port (SLIPWAY_METRICS_PORT; off by default)')
    .option('--metrics-host <host>', 'address of the metrics port (SLIPWAY_METRICS_HOST, default 127.0.0.1)')
    .action(async (options: { concurrency?: string; metricsPort?: string; metricsHost?: string }) => {
      const config = loadConfig({ ...options, databaseUrl: program.opts().databaseUrl });
      const server = await startSlipway({ config, http: false });
      shutdownOnSignals(server.close); // before the ready line, as above
      if (server.metricsUrl) process.stdout.write(`slipway metrics on ${server.metricsUrl}/metrics\n`);
      process.stdout.write(`slipway worker ${server.pool.workerId} running (${config.concurrency} run slots)\n`);
    });

  program
    .command('migrate')
    .description('apply database migrations (also done at every start)')
    .option('--print', 'print the SQL instead of applying it')
    .action(async (options: { print?: boolean }) => {
      const config = loadConfig({ databaseUrl: program.opts().databaseUrl });
      if (options.print) {
        process.stdout.write(migrationsSql(config.database));
        return;
      }
      const store = await openStore(config.database);
      await store.close();
      process.stdout.write('migrations applied\n');
    });

  program
    .command('import')
    .description('copy a whole SQLite installation into an empty PostgreSQL database (--database-url)')
    .requiredOption('--from <url>', 'the SQLite database to copy, e.g. sqlite:./data/slipway.db')
    .option('--json', 'print JSON')
    .action(async (options: { from: string; json?: boolean }) => {
      const config = loadConfig({ databaseUrl: program.opts().databaseUrl });
      const from = parseDatabaseUrl(options.from);
      if (from.kind !== 'sqlite') throw new Error(`--from must be a sqlite:<path> URL, not ${options.from}`);
      if (config.database.kind !== 'postgres') throw new Error('--database-url (or SLIPWAY_DATABASE_URL) must name the PostgreSQL database to import into');
      const result = await importSqliteToPostgres({ sqlitePath: from.path, postgresUrl: config.database.url }).catch((error: unknown) => {
        throw (error as { code?: string }).code ? startupError(error, (config.database as { url: string }).url) : error;
      });
      const text = Object.entries(result.counts).map(([table, n]) => `${table}: ${n}`).join('\n');
      process.stdout.write(options.json ? `${JSON.stringify(result.counts, null, 2)}\n` : `imported into ${describe(config.database)}\n${text}\n`);
    });
}

function describe(database: DatabaseTarget): string {
  return database.kind === 'sqlite' ? `sqlite:${database.path}` : describePostgresUrl(database.url);
}

function printBootstrap(bootstrap: { workspaceId: number; token: string; workflows: { id: string; name: string }[] }, url: string) {
  const lines = [
    '',
    'First start: created the default workspace and an admin API token.',
    'Copy the token now; it is not shown again:',
    '',
    `  SLIPWAY_TOKEN=${bootstrap.token}`,
    '',
    `Example workflows: ${bootstrap.workflows.map((w) => w.id).join(', ') || '(none)'}`,
    `Try: curl -s -H "Authorization: Bearer ${bootstrap.token}" ${url}/workflow-service/api/public/v1/workflows`,
    `Dashboard: ${url}/ (sign in with this token)`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** SIGTERM / SIGINT: graceful shutdown once; a second signal exits at once. */
function shutdownOnSignals(close: () => Promise<void>) {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
