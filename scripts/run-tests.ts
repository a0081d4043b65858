import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLUSTER_URL_ENV, startTestPostgres } from '../test/support/postgres.js';
import { createTemplateDatabase, TEMPLATE_ENV } from '../test/support/postgres-template.js';
import { ensureWebBuild } from './ensure-web-build.js';

/**
 * `npm test`'s test step: starts the one PostgreSQL cluster of the run, migrates one
 * template database on it, then runs `node --test` over the test files with the cluster's
 * URL and the template's name in the environment (test/support/postgres.ts,
 * postgres-template.ts). Every test process shares that cluster and copies the template
 * per test instead of starting a cluster and migrating per file.
 *
 * The cluster dies with this process however it ends (the reaper of startTestPostgres
 * watches this pid, also on SIGKILL). Arguments: test files (default test/*.test.ts) and
 * `--…` options passed on to `node --test`, e.g.
 * `npm test -- --test-name-pattern=idempotency` or `node --import tsx scripts/run-tests.ts test/cli.test.ts`.
 *
 * Test files run two at a time (`SLIPWAY_TEST_CONCURRENCY`, default 2): most of a file's time
 * is spent waiting on fsync, PostgreSQL, child processes and the browser, so two files share
 * two cores well. Every file already isolates itself (its own temp directories, databases
 * copied from the template, ports chosen by the OS); the one shared output, the dashboard
 * bundle in dist-web/, is built here once before any file starts, so two browser tests never
 * rebuild it at the same time.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The file that takes longest (it packs, installs and runs the npm package: 3–6 min on a quiet
 * machine, as long as a third of the rest together) starts first, so the other files run beside
 * it instead of after it.
 */
const LONGEST_FILE = 'package-install.test.ts';

function testFiles(args: string[]): string[] {
  const named = args.filter((a) => !a.startsWith('-'));
  if (named.length > 0) return named;
  return readdirSync(join(ROOT, 'test'))
    .filter((name) => name.endsWith('.test.ts'))
    .sort((a, b) => Number(b === LONGEST_FILE) - Number(a === LONGEST_FILE) || a.localeCompare(b))
    .map((name) => relative(process.cwd(), join(ROOT, 'test', name)));
}

function testConcurrency(): number {
  const value = Number(process.env.SLIPWAY_TEST_CONCURRENCY ?? 2);
  if (!Number.isInteger(value) || value < 1) throw new Error(`SLIPWAY_TEST_CONCURRENCY must be a whole number of at least 1, not ${process.env.SLIPWAY_TEST_CONCURRENCY}`);
  return value;
}

async function main(args: string[]): Promise<number> {
  const started = Date.now();
  const { built } = ensureWebBuild();
  if (built) process.stderr.write('run-tests: dashboard built into dist-web/\n');
  const cluster = await startTestPostgres();
  const template = await createTemplateDatabase(cluster, 'slipway_template');
  process.stderr.write(`run-tests: PostgreSQL on port ${cluster.port} with a migrated template, ready in ${Date.now() - started} ms\n`);
  const options = args.filter((a) => a.startsWith('-'));
  if (!options.some((o) => o.startsWith('--test-concurrency'))) options.push(`--test-concurrency=${testConcurrency()}`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...options, ...testFiles(args)], {
    stdio: 'inherit',
    env: { ...process.env, [CLUSTER_URL_ENV]: cluster.url(), [TEMPLATE_ENV]: template },
  });
  // Ctrl-C reaches the whole process group; a signal sent to this process alone is passed on.
  // Either way the test runner finishes its files' cleanup before the cluster goes.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const code = await new Promise<number>((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
  await cluster.stop();
  process.stderr.write(`run-tests: wall time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return code;
}

process.exitCode = await main(process.argv.slice(2));
