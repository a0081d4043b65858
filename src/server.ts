import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { systemClock, type Clock } from './core/clock.js';
import type { Config, DatabaseTarget } from './config/config.js';
import type { RunBudgets } from './engine/budgets.js';
import { createRunExecutor } from './engine/run-executor.js';
import { createOtelTracer, tracingEnabled } from './engine/otel-tracer.js';
import { NO_TRACING } from './engine/tracer.js';
import type { ScheduleFirer } from './engine/schedule-firer.js';
import type { RetentionSweeper } from './engine/retention-sweeper.js';
import { createWorkerPool, workerPoolDepsOf, type WorkerPool } from './engine/worker-pool.js';
import { buildHttpApp } from './http/app.js';
import { createReadinessService } from './service/readiness-service.js';
import { createWorkspaceService } from './service/workspace-service.js';
import { createStepLogsService } from './service/step-logs-service.js';
import { createMetrics } from './service/metrics.js';
import { withMetrics } from './service/metered-store.js';
import { startMetricsServer } from './http/metrics-server.js';
import { closeHttp } from './http/close-http.js';
import { createAuthoringService } from './service/authoring-service.js';
import { createAuthService } from './service/auth-service.js';
import { bootstrapEmptyDatabase, type BootstrapResult } from './service/bootstrap.js';
import { createRunEventsService } from './service/run-events-service.js';
import { createRunStepsService } from './service/run-steps-service.js';
import { createRunsService } from './service/runs-service.js';
import { createBatchRunsService } from './service/batch-runs-service.js';
import { createRunControlService } from './service/run-control-service.js';
import { createBulkRuns } from './service/bulk-runs.js';
import { createTokensService } from './service/tokens-service.js';
import { createWorkflowGraphService } from './service/workflow-graph-service.js';
import { createWebhooksService } from './service/webhooks-service.js';
import { createWorkflowsService } from './service/workflows-service.js';
import { createChildRuns } from './service/child-runs.js';
import { createDefinitionScheduleSync } from './service/definition-schedules.js';
import { createSchedulesService } from './service/schedules-service.js';
import { createWaitpointsService } from './service/waitpoints-service.js';
import { createWorkersService } from './service/workers-service.js';
import { API_PREFIX } from './api/prefix.js';
import { createStepRegistry, DEFAULT_STEP_OPTIONS, type BuiltinStepOptions } from './steps/builtin-steps.js';
import { loadStepTypeModules } from './steps/load-step-types.js';
import type { StepType } from './steps/step-type.js';
import { postgresMigrationsSql } from './store/postgres/migrate-postgres.js';
import { createPostgresStore } from './store/postgres/postgres-store.js';
import { sqliteMigrationsSql } from './store/sqlite/migrate-sqlite.js';
import { createSqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { withVersionCache } from './store/version-cache.js';
import { newSecretKeyText, parseSecretKey } from './auth/secret-box.js';
import { loadSecretKeyText } from './config/secret-key-file.js';
import { createSecretsService } from './service/secrets-service.js';
import { createBackgroundWork } from './background-work.js';

/** The composition root: config → store → services → engine → http. Only here and in the CLI is a concrete store named. */

export const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));
/** The built dashboard (`npm run build:web`, from web/). */
export const WEB_DIR = fileURLToPath(new URL('../dist-web/', import.meta.url));

/**
 * Opens the configured store and applies pending migrations (safe when several processes
 * start at once). An unreachable database fails here with an error naming what to check.
 */
export async function openStore(database: DatabaseTarget, options: { onError?: (error: unknown) => void } = {}): Promise<Store> {
  const store =
    database.kind === 'postgres'
      ? createPostgresStore({ url: database.url, poolSize: database.poolSize, onError: options.onError })
      : createSqliteStore({ path: database.path, lockWaitMs: database.lockWaitMs });
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

/** The migration SQL `slipway migrate --print` shows for the configured dialect. */
export function migrationsSql(database: DatabaseTarget): string {
  return database.kind === 'postgres' ? postgresMigrationsSql() : sqliteMigrationsSql();
}

/**
 * The server's secret key (SPEC §13): SLIPWAY_SECRET_KEY, or on the embedded SQLite default
 * the `secret.key` file beside the database (created, mode 0600, when `create`); null on
 * PostgreSQL without SLIPWAY_SECRET_KEY (secrets are then not configured).
 */
export function secretKeyOf(config: Readonly<Config>, options: { create: boolean } = { create: true }): Buffer | null {
  const text = loadSecretKeyText(config.database, config.secretKeyText ?? undefined, { create: options.create, newKey: newSecretKeyText });
  return text === null ? null : parseSecretKey(text);
}

export function createServices(
  store: Store,
  clock: Clock,
  extraStepTypes: readonly StepType[] = [],
  stepOptions: BuiltinStepOptions = DEFAULT_STEP_OPTIONS,
  secretKey: Buffer | null = null,
) {
  const stepTypes = createStepRegistry(extraStepTypes, stepOptions);
  const workflows = createWorkflowsService({ store, clock, stepTypes, afterPublish: createDefinitionScheduleSync({ store, clock }) });
  const runControl = createRunControlService({ store, clock });
  // Set by startSlipway once it knows its address and key (SPEC §7: SLIPWAY_PUBLIC_URL, the §13 key).
  const waitpointSettings = { publicUrl: 'http://127.0.0.1:8080', callbackKey: null as Buffer | null };
  // Dispatchers of this process, woken when a service queues a delivery (test, redeliver).
  const webhookWakers = new Set<() => void>();
  return {
    webhookWakers,
    runControl,
    bulkRuns: createBulkRuns({ store, clock, runControl }),
    waitpointSettings,
    waitpoints: createWaitpointsService({
      store, clock, apiPrefix: API_PREFIX, publicUrl: () => waitpointSettings.publicUrl, callbackKey: () => waitpointSettings.callbackKey,
    }),
    stepTypes,
    workflows,
    auth: createAuthService({ store, clock }),
    tokens: createTokensService({ store, clock }),
    runs: createRunsService({ store, clock, workflows }),
    batchRuns: createBatchRunsService({ store, clock, workflows }),
    runSteps: createRunStepsService({ store }),
    runEvents: createRunEventsService({ store }),
    workflowGraph: createWorkflowGraphService({ store }),
    webhooks: createWebhooksService({ store, clock, allowPrivate: stepOptions.httpAllowPrivate, key: secretKey, onQueued: () => webhookWakers.forEach((wake) => wake()) }),
    schedules: createSchedulesService({ store, clock, workflows }),
    authoring: createAuthoringService({ store, stepTypes, workflows }),
    secrets: createSecretsService({ store, clock, key: secretKey }),
    readiness: createReadinessService({ store }),
    stepLogs: createStepLogsService({ store }),
    workers: createWorkersService({ store, clock }),
    workspaces: createWorkspaceService({ store }),
  };
}

/** The configuration the built-in step types read. */
export function stepOptionsOf(config: Readonly<Config>): BuiltinStepOptions {
  return {
    httpAllowPrivate: config.httpAllowPrivate,
    httpMaxResponseBytes: config.httpMaxResponseBytes,
    llmBaseUrl: config.llmBaseUrl,
    llmApiKey: config.llmApiKey,
  };
}

/** The host's step types: those passed in code plus those of the modules in `SLIPWAY_STEP_TYPES`. */
export async function hostStepTypes(config: Readonly<Config>, extra: readonly StepType[] = []): Promise<StepType[]> {
  return [...extra, ...(await loadStepTypeModules(config.stepTypeModules))];
}

export interface SlipwayServer {
  /** `http://host:port` actually bound (port 0 picks a free one). */
  url: string;
  /** Where `/metrics` is served; null without `--metrics-port`. */
  metricsUrl: string | null;
  store: Store;
  pool: WorkerPool;
  /** Fires due schedules; null when the process runs no workers (`--concurrency 0`). */
  firer: ScheduleFirer | null;
  /** Deletes runs past their workspace's retention (SPEC §17); null when the process runs no workers. */
  sweeper: RetentionSweeper | null;
  /** The services the HTTP API uses (with this server's step types). */
  services: ReturnType<typeof createServices>;
  bootstrap: BootstrapResult | null;
  /** Graceful shutdown: stop claiming, close HTTP and drain the worker pool side by side (bounded by the grace period), close the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  config: Readonly<Config>;
  clock?: Clock;
  /** Serve HTTP; false for `slipway worker`. */
  http: boolean;
  examplesDir?: string | null;
  logger?: pino.Logger | false;
  extraStepTypes?: readonly StepType[];
  /** The built dashboard; default WEB_DIR, null to serve none. */
  webRoot?: string | null;
}

/** The engine's budgets from the configuration (SPEC §16). */
function runBudgetsOf(budgets: Config['budgets']): RunBudgets {
  return {
    expression: { timeoutMs: budgets.expressionTimeoutMs, maxDepth: budgets.expressionMaxDepth, maxValueSize: budgets.maxOutputBytes },
    maxOutputBytes: budgets.maxOutputBytes,
    maxMapItems: budgets.maxMapItems,
    maxClaims: budgets.maxClaims,
    maxLogLines: budgets.maxLogLines,
  };
}

export async function startSlipway(options: StartOptions): Promise<SlipwayServer> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: config.logLevel });
  // One published-version cache in front of either backend, shared by the services and the engine.
  const storeWithCache = withVersionCache(await openStore(config.database, {
    onError: (error) => (logger ? logger.warn({ err: error }, 'database connection error') : undefined),
  }));
  // Metrics (SPEC §17) only when a metrics port is asked for: the counters are fed by a store wrapper.
  const metrics = config.metricsPort === null ? null : createMetrics({ countQueuedRuns: () => storeWithCache.countQueuedRuns() });
  const store = metrics ? withMetrics(storeWithCache, metrics) : storeWithCache;
  // Traces (SPEC §17) only when the standard OTLP endpoint variables are set; run spans come from the runs this process ends.
  const tracer = tracingEnabled(process.env) ? createOtelTracer({ env: process.env }) : NO_TRACING;
  store.onRunsEnded((runs) => tracer.runsEnded(runs));
  const secretKey = secretKeyOf(config);
  const services = createServices(store, clock, await hostStepTypes(config, options.extraStepTypes), stepOptionsOf(config), secretKey);
  services.waitpointSettings.callbackKey = secretKey;
  services.waitpointSettings.publicUrl = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const executor = createRunExecutor({
    store,
    clock,
    stepTypes: services.stepTypes,
    waitpoints: services.waitpoints.bridge,
    childRuns: createChildRuns({ store, clock, workflows: services.workflows, limits: { maxDepth: config.budgets.maxRunDepth, maxTree: config.budgets.maxRunTree } }),
    stepConcurrency: config.stepConcurrency,
    budgets: runBudgetsOf(config.budgets),
    secrets: { values: services.secrets.valuesFor, markUsed: services.secrets.markUsed },
    abortGraceMs: config.abortGraceMs,
    tracer,
  });
  const pool = createWorkerPool(workerPoolDepsOf(store, clock, executor), {
    concurrency: config.concurrency,
    leaseMs: config.leaseMs,
    pollIntervalMs: config.pollIntervalMs,
    shutdownGraceMs: config.shutdownGraceMs,
    abortGraceMs: config.abortGraceMs,
    onError: (error) => (logger ? logger.error({ err: error }, 'worker error') : undefined),
  });

  // Webhooks, schedules, retention and the workers registry run where runs execute (background-work.ts).
  const background = config.concurrency > 0 ? createBackgroundWork({ store, clock, config, services, pool, secretKey, logger }) : null;

  let bootstrap: BootstrapResult | null = null;
  let url = '';
  let app: Awaited<ReturnType<typeof buildHttpApp>> | null = null;
  if (options.http) {
    bootstrap = await bootstrapEmptyDatabase({ store, clock, ...services, examplesDir: options.examplesDir === undefined ? EXAMPLES_DIR : options.examplesDir });
    app = await buildHttpApp({ ...services, observeRequest: metrics ? (route, status, seconds) => metrics.httpDuration.observe({ route, status: String(status) }, seconds) : undefined, webRoot: options.webRoot === undefined ? WEB_DIR : options.webRoot, logger: logger === false ? false : logger.child({ component: 'http' }) });
    url = await app.listen({ host: config.host, port: config.port });
    if (config.publicUrl === null) services.waitpointSettings.publicUrl = url;
  }
  const metricsServer = metrics && config.metricsPort !== null ? await startMetricsServer(metrics.registry, { host: config.metricsHost, port: config.metricsPort }) : null;
  await background?.start();
  pool.start();

  let closing: Promise<void> | null = null;
  return {
    url,
    metricsUrl: metricsServer?.url ?? null,
    store,
    pool,
    firer: background?.firer ?? null,
    sweeper: background?.sweeper ?? null,
    services,
    bootstrap,
    close() {
      closing ??= (async () => {
        // Shutdown order (docs/ARCHITECTURE.md): stop claiming runs, schedules and deliveries and
        // end the event streams and long-polls at once (an open stream would hold HTTP close); then,
        // side by side and each bounded by SLIPWAY_SHUTDOWN_GRACE, close HTTP and drain the in-flight
        // runs (released at their next step boundary, interrupted at the end of the grace period);
        // then close the store.
        services.runEvents.close();
        await Promise.all([
          background ? background.stop(pool.stop()) : pool.stop(),
          app ? closeHttp(app, clock, config.shutdownGraceMs) : undefined,
          metricsServer?.close(),
        ]);
        await Promise.all([store.close(), tracer.shutdown().catch(() => {})]);
      })();
      return closing;
    },
  };
}
