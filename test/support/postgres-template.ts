import { parseDatabaseUrl } from '../../src/config/config.js';
import { openStore } from '../../src/server.js';
import { adminQuery, CLUSTER_URL_ENV, sharedTestPostgres, uniqueDatabaseName, type TestPostgres } from './postgres.js';

/**
 * Migrated databases for tests without migrating each one: the migrations run once, into a
 * template database, and every test gets a copy (`CREATE DATABASE … TEMPLATE`, a file-level
 * copy that takes milliseconds).
 *
 * PostgreSQL refuses to copy a database while anyone is connected to it, so the template is
 * closed for connections (`ALLOW_CONNECTIONS false`) as soon as it is migrated: no test, pool
 * or stray client can hold it open while another test process copies it.
 *
 * Under `npm test`, scripts/run-tests.ts makes the template once and names it in
 * `SLIPWAY_TEST_POSTGRES_TEMPLATE`; a test file run by itself makes its own on first use.
 */
export const TEMPLATE_ENV = 'SLIPWAY_TEST_POSTGRES_TEMPLATE';

/** Creates a database on `cluster`, migrates it with the store's own migrations and closes it for connections; returns its name. */
export async function createTemplateDatabase(cluster: TestPostgres, name = uniqueDatabaseName('slipway_template')): Promise<string> {
  await adminQuery(cluster, `CREATE DATABASE ${name}`);
  const store = await openStore(parseDatabaseUrl(cluster.url(name))); // migrates
  await store.close(); // ends its pool: no connection may remain on a template
  await adminQuery(cluster, `ALTER DATABASE ${name} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  return name;
}

const templates = new Map<TestPostgres, Promise<string>>();

function templateOf(cluster: TestPostgres, runsCluster: boolean): Promise<string> {
  const named = process.env[TEMPLATE_ENV];
  if (runsCluster && named) return Promise.resolve(named);
  let template = templates.get(cluster);
  if (!template) {
    template = createTemplateDatabase(cluster);
    templates.set(cluster, template);
  }
  return template;
}

/**
 * A fresh database with every migration applied, copied from the template; returns its URL.
 * Opening a store on it migrates nothing (every migration is recorded as applied).
 */
export async function createMigratedTestDatabase(cluster?: TestPostgres): Promise<string> {
  const server = cluster ?? (await sharedTestPostgres());
  const template = await templateOf(server, cluster === undefined && process.env[CLUSTER_URL_ENV] !== undefined);
  const name = uniqueDatabaseName();
  await adminQuery(server, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return server.url(name);
}
