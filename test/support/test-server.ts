import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_PREFIX } from '../../src/api/schemas.js';
import { loadConfig, parseDatabaseUrl } from '../../src/config/config.js';
import { clockWithNow, type Clock } from '../../src/core/clock.js';
import { openStore, startSlipway, type createServices, type SlipwayServer } from '../../src/server.js';
import type { StepType } from '../../src/steps/step-type.js';
import { createMigratedTestDatabase } from './postgres-template.js';
import { waitFor } from './wait-for.js';

/** The stores every store-level and HTTP-level suite runs against (STYLE principle 1). */
export type Backend = 'sqlite' | 'postgres';

/**
 * The backends to loop suites over: both, unless `SLIPWAY_TEST_BACKENDS` names fewer
 * (e.g. `SLIPWAY_TEST_BACKENDS=sqlite` while iterating). `npm test` runs both.
 *
 * @example
 * for (const backend of testBackends()) describe(`runs [${backend}]`, () => { ... startTestServer({ backend }) ... });
 */
export function testBackends(): Backend[] {
  const wanted = (process.env.SLIPWAY_TEST_BACKENDS ?? 'sqlite,postgres').split(',').map((b) => b.trim());
  return (['sqlite', 'postgres'] as const).filter((b) => wanted.includes(b));
}

/**
 * A database URL for a fresh, migrated database of `backend` without data, and how to clean
 * it up. Both are copies of a template migrated once (PostgreSQL: the run's template
 * database; SQLite: a file made once per test process), so opening a store on one migrates
 * nothing. Tests of migrating itself use an empty database (`createTestDatabase`, a new path).
 */
export async function freshDatabase(backend: Backend): Promise<{ databaseUrl: string; remove: () => void }> {
  if (backend === 'postgres') return { databaseUrl: await createMigratedTestDatabase(), remove: () => {} };
  const template = await migratedSqliteTemplate();
  const dir = tempDir();
  const path = join(dir.path, 'slipway.db');
  copyFileSync(template, path);
  if (existsSync(`${template}-wal`)) copyFileSync(`${template}-wal`, `${path}-wal`);
  return { databaseUrl: `sqlite:${path}`, remove: dir.remove };
}

let sqliteTemplate: Promise<string> | null = null;

/** A migrated SQLite file, made on first use and removed when this test process exits. */
function migratedSqliteTemplate(): Promise<string> {
  sqliteTemplate ??= (async () => {
    const dir = tempDir('slipway-sqlite-template-');
    process.once('exit', dir.remove);
    const path = join(dir.path, 'template.db');
    const store = await openStore(parseDatabaseUrl(`sqlite:${path}`)); // migrates
    await store.close();
    return path;
  })();
  return sqliteTemplate;
}

export interface TestServerOptions {
  /** Which store; SQLite unless told. */
  backend?: Backend;
  /** Run slots; 0 keeps runs QUEUED. */
  concurrency?: number;
  /** A time source for the server; its timers stay the system's. */
  clock?: Pick<Clock, 'now'>;
  env?: Record<string, string>;
  extraStepTypes?: StepType[];
}

export interface TestServer {
  url: string;
  server: SlipwayServer;
  databaseUrl: string;
  /** A workspace with a live token, made fresh for this server. */
  workspaceId: number;
  token: string;
  services: ReturnType<typeof createServices>;
  /** Speaks HTTP to the server; `path` is relative to the API prefix unless it starts with `//`. */
  api(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** Creates another workspace with its own token. */
  newWorkspace(limits?: { dailyRunLimit?: number | null; concurrentRunLimit?: number | null }): Promise<{ workspaceId: number; token: string }>;
  /** Applies and publishes a workflow (YAML text) in a workspace. */
  publish(yaml: string, workspaceId?: number): Promise<string>;
  /** Polls a run until it reaches one of `statuses`. */
  waitForStatus(runId: string, statuses: string[], token?: string, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as-is, without JSON encoding. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'slipway-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts a real `slipway serve` in-process on a fresh database (SQLite file or PostgreSQL database) and a free loopback port. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { databaseUrl, remove } = await freshDatabase(options.backend ?? 'sqlite');
  const config = loadConfig(
    { databaseUrl, host: '127.0.0.1', port: 0, concurrency: options.concurrency ?? 2 },
    { SLIPWAY_POLL_INTERVAL: '50ms', SLIPWAY_SHUTDOWN_GRACE: '2s', ...options.env },
  );
  const server = await startSlipway({ config, http: true, examplesDir: null, logger: false, clock: options.clock && clockWithNow(() => options.clock!.now()), extraStepTypes: options.extraStepTypes });
  const services = server.services;

  async function newWorkspace(limits: { dailyRunLimit?: number | null; concurrentRunLimit?: number | null } = {}) {
    const workspace = await server.store.createWorkspace({
      name: 'test',
      organizationId: null,
      dailyRunLimit: limits.dailyRunLimit ?? null,
      concurrentRunLimit: limits.concurrentRunLimit ?? null,
      now: Date.now(),
    });
    const { token } = await services.tokens.createToken({ workspaceId: workspace.id, name: 'test', expires: 'never', createdBy: 'test' });
    return { workspaceId: workspace.id, token };
  }

  const first = await newWorkspace();

  async function api(method: string, path: string, request: RequestOptions = {}): Promise<TestResponse> {
    const token = request.token === undefined ? first.token : request.token;
    const headers: Record<string, string> = { ...request.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = request.rawBody;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] ??= 'application/json';
    }
    const url = path.startsWith('//') ? server.url + path.slice(1) : server.url + API_PREFIX + path;
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  return {
    url: server.url,
    server,
    databaseUrl,
    workspaceId: first.workspaceId,
    token: first.token,
    services,
    api,
    newWorkspace,
    async publish(yaml, workspaceId = first.workspaceId) {
      const result = await services.workflows.applyWorkflow({ workspaceId, text: yaml, publish: true });
      return result.workflow.id;
    },
    async waitForStatus(runId, statuses, token = first.token, timeoutMs = 30_000) {
      let last: unknown;
      try {
        return await waitFor(async () => {
          const response = await api('GET', `/workflow-runs/${runId}`, { token });
          last = response.body?.status;
          return statuses.includes(response.body?.status) && response.body;
        }, { timeoutMs, intervalMs: 20 });
      } catch {
        throw new Error(`run ${runId} is ${String(last)}, not ${statuses.join('/')}, after ${timeoutMs} ms`);
      }
    },
    async close() {
      await server.close();
      remove();
    },
  };
}

/** A one-step transform workflow with one required text input `name`. */
export const HELLO_WORKFLOW = `
id: hello
name: Hello
inputs:
  - { variableName: name, type: text, required: true }
steps:
  - id: greet
    type: transform
    with: { value: "Hello, {{ inputs.name }}" }
`;
