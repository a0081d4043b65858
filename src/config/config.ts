import { parseDuration } from '../core/duration.js';

/** Where the data lives, parsed from `--database-url` / `SLIPWAY_DATABASE_URL`. */
export type DatabaseTarget =
  /** `lockWaitMs`: how long a write waits for another process's write lock before 503 (`SLIPWAY_SQLITE_LOCK_WAIT`, default 5 s). */
  | { kind: 'sqlite'; path: string; lockWaitMs?: number }
  /** `poolSize`: most pooled connections per process (`SLIPWAY_DATABASE_POOL_SIZE`, default 10). */
  | { kind: 'postgres'; url: string; poolSize: number };

export interface Config {
  database: DatabaseTarget;
  host: string;
  port: number;
  /** Run slots of the embedded worker pool; 0 = API alone. */
  concurrency: number;
  /** How long a claimed run's lease lasts without a heartbeat (`SLIPWAY_LEASE_TIMEOUT`). */
  leaseMs: number;
  pollIntervalMs: number;
  shutdownGraceMs: number;
  /** How long an aborted run's steps may take to stop before the run ends anyway (`SLIPWAY_ABORT_GRACE`, SPEC §11). */
  abortGraceMs: number;
  /** First wait before a failed webhook delivery is tried again; doubles each time (`SLIPWAY_WEBHOOK_BACKOFF`). */
  webhookBackoffMs: number;
  /** How often a process with workers sweeps runs past their workspace's retention (`SLIPWAY_RETENTION_INTERVAL`, 1 min; SPEC §17). */
  retentionIntervalMs: number;
  /** `SLIPWAY_SECRET_KEY` as given (32 bytes, hex or base64); null: the key file, on SQLite (SPEC §13). */
  secretKeyText: string | null;
  logLevel: string;
  /** Steps of one run that may execute at once (`SLIPWAY_STEP_CONCURRENCY`). */
  stepConcurrency: number;
  /** Let `http` steps reach private, loopback and link-local addresses (`SLIPWAY_HTTP_ALLOW_PRIVATE`). */
  httpAllowPrivate: boolean;
  /** Largest response an `http` step reads (`SLIPWAY_HTTP_MAX_RESPONSE_BYTES`). */
  httpMaxResponseBytes: number;
  /** OpenAI-compatible API of `llm` steps (`SLIPWAY_LLM_BASE_URL`, `SLIPWAY_LLM_API_KEY`). */
  llmBaseUrl: string;
  llmApiKey: string | null;
  /** Base of the absolute URLs waitpoints hand out (`SLIPWAY_PUBLIC_URL`); null: the address `serve` listens on. */
  publicUrl: string | null;
  /** Modules that export host step types (`SLIPWAY_STEP_TYPES`, comma-separated paths). */
  stepTypeModules: string[];
  /** What one workflow may cost (SPEC §16, docs/CONFIGURATION.md "Budgets"). */
  budgets: BudgetConfig;
  /** Prometheus port (`--metrics-port` / `SLIPWAY_METRICS_PORT`); null: no metrics (SPEC §17). */
  metricsPort: number | null;
  /** Address of the metrics port (`--metrics-host` / `SLIPWAY_METRICS_HOST`, default 127.0.0.1). */
  metricsHost: string;
}

/** The budgets of SPEC §16; exceeding one fails the step (not retried) with its code. */
export interface BudgetConfig {
  /** Running time of one expression (`SLIPWAY_EXPRESSION_TIMEOUT`, 1 s) → `EXPRESSION_TIMEOUT`. */
  expressionTimeoutMs: number;
  /** Nesting of one expression's evaluation (`SLIPWAY_EXPRESSION_MAX_DEPTH`, 500) → `EXPRESSION_TOO_DEEP`. */
  expressionMaxDepth: number;
  /** A step's output or input, and the run's output, as JSON (`SLIPWAY_MAX_OUTPUT`, 10 MiB) → `OUTPUT_TOO_LARGE`. */
  maxOutputBytes: number;
  /** Items of one `map` (`SLIPWAY_MAX_MAP_ITEMS`, 10,000) → `TOO_MANY_ITEMS`. */
  maxMapItems: number;
  /** Depth of child runs under one root run (`SLIPWAY_MAX_RUN_DEPTH`, 8) → `CHILD_RUN_LIMIT`. */
  maxRunDepth: number;
  /** Child runs (all descendants) of one root run (`SLIPWAY_MAX_RUN_TREE`, 1,000) → `CHILD_RUN_LIMIT`. */
  maxRunTree: number;
  /** Times a step may stop its worker before the run fails (`SLIPWAY_MAX_CLAIMS`, 10). */
  maxClaims: number;
  /** Step log lines kept per run (`SLIPWAY_MAX_LOG_LINES`, 1,000; SPEC §17); later lines are dropped. */
  maxLogLines: number;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/slipway.db';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ConfigOverrides {
  databaseUrl?: string;
  host?: string;
  port?: string | number;
  concurrency?: string | number;
  metricsPort?: string | number;
  metricsHost?: string;
}

/**
 * Resolves configuration once, from command-line flags over environment variables over
 * defaults, into a frozen object. Errors say what to write instead.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const database = parseDatabaseUrl(overrides.databaseUrl ?? env.SLIPWAY_DATABASE_URL ?? DEFAULT_DATABASE_URL);
  if (database.kind === 'postgres' && env.SLIPWAY_DATABASE_POOL_SIZE !== undefined) {
    database.poolSize = wholeNumber('database pool size (SLIPWAY_DATABASE_POOL_SIZE)', env.SLIPWAY_DATABASE_POOL_SIZE, 1, 1000);
  }
  if (database.kind === 'sqlite') database.lockWaitMs = duration('SLIPWAY_SQLITE_LOCK_WAIT', env.SLIPWAY_SQLITE_LOCK_WAIT ?? '5s');
  const config: Config = {
    database,
    host: overrides.host ?? env.SLIPWAY_HOST ?? '127.0.0.1',
    port: wholeNumber('port (--port / SLIPWAY_PORT)', overrides.port ?? env.SLIPWAY_PORT ?? 8080, 0, 65535),
    concurrency: wholeNumber('concurrency (--concurrency / SLIPWAY_CONCURRENCY)', overrides.concurrency ?? env.SLIPWAY_CONCURRENCY ?? 4, 0, 1000),
    leaseMs: duration('SLIPWAY_LEASE_TIMEOUT', env.SLIPWAY_LEASE_TIMEOUT ?? '30s'),
    pollIntervalMs: duration('SLIPWAY_POLL_INTERVAL', env.SLIPWAY_POLL_INTERVAL ?? '500ms'),
    shutdownGraceMs: duration('SLIPWAY_SHUTDOWN_GRACE', env.SLIPWAY_SHUTDOWN_GRACE ?? '10s'),
    abortGraceMs: duration('SLIPWAY_ABORT_GRACE', env.SLIPWAY_ABORT_GRACE ?? '10s'),
    webhookBackoffMs: duration('SLIPWAY_WEBHOOK_BACKOFF', env.SLIPWAY_WEBHOOK_BACKOFF ?? '5s'),
    retentionIntervalMs: duration('SLIPWAY_RETENTION_INTERVAL', env.SLIPWAY_RETENTION_INTERVAL ?? '1m'),
    secretKeyText: env.SLIPWAY_SECRET_KEY || null,
    logLevel: env.SLIPWAY_LOG_LEVEL ?? 'info',
    stepConcurrency: wholeNumber('SLIPWAY_STEP_CONCURRENCY', env.SLIPWAY_STEP_CONCURRENCY ?? 8, 1, 1000),
    httpAllowPrivate: flag('SLIPWAY_HTTP_ALLOW_PRIVATE', env.SLIPWAY_HTTP_ALLOW_PRIVATE),
    httpMaxResponseBytes: wholeNumber('SLIPWAY_HTTP_MAX_RESPONSE_BYTES', env.SLIPWAY_HTTP_MAX_RESPONSE_BYTES ?? 10 * 1024 * 1024, 1, 2 ** 31),
    llmBaseUrl: absoluteUrl('SLIPWAY_LLM_BASE_URL', env.SLIPWAY_LLM_BASE_URL ?? 'https://api.openai.com/v1'),
    llmApiKey: env.SLIPWAY_LLM_API_KEY || null,
    publicUrl: env.SLIPWAY_PUBLIC_URL ? absoluteUrl('SLIPWAY_PUBLIC_URL', env.SLIPWAY_PUBLIC_URL) : null,
    stepTypeModules: (env.SLIPWAY_STEP_TYPES ?? '').split(',').map((p) => p.trim()).filter(Boolean),
    budgets: loadBudgets(env),
    metricsPort: (overrides.metricsPort ?? env.SLIPWAY_METRICS_PORT) === undefined || (overrides.metricsPort ?? env.SLIPWAY_METRICS_PORT) === ''
      ? null
      : wholeNumber('metrics port (--metrics-port / SLIPWAY_METRICS_PORT)', overrides.metricsPort ?? env.SLIPWAY_METRICS_PORT!, 0, 65535),
    metricsHost: overrides.metricsHost ?? env.SLIPWAY_METRICS_HOST ?? '127.0.0.1',
  };
  return Object.freeze(config);
}

function loadBudgets(env: NodeJS.ProcessEnv): BudgetConfig {
  return Object.freeze({
    expressionTimeoutMs: duration('SLIPWAY_EXPRESSION_TIMEOUT', env.SLIPWAY_EXPRESSION_TIMEOUT ?? '1s'),
    expressionMaxDepth: wholeNumber('SLIPWAY_EXPRESSION_MAX_DEPTH', env.SLIPWAY_EXPRESSION_MAX_DEPTH ?? 500, 10, 5000),
    maxOutputBytes: byteSize('SLIPWAY_MAX_OUTPUT', env.SLIPWAY_MAX_OUTPUT ?? '10MiB'),
    maxMapItems: wholeNumber('SLIPWAY_MAX_MAP_ITEMS', env.SLIPWAY_MAX_MAP_ITEMS ?? 10_000, 1, 10_000_000),
    maxRunDepth: wholeNumber('SLIPWAY_MAX_RUN_DEPTH', env.SLIPWAY_MAX_RUN_DEPTH ?? 8, 0, 1000),
    maxRunTree: wholeNumber('SLIPWAY_MAX_RUN_TREE', env.SLIPWAY_MAX_RUN_TREE ?? 1000, 0, 10_000_000),
    maxClaims: wholeNumber('SLIPWAY_MAX_CLAIMS', env.SLIPWAY_MAX_CLAIMS ?? 10, 1, 1000),
    maxLogLines: wholeNumber('SLIPWAY_MAX_LOG_LINES', env.SLIPWAY_MAX_LOG_LINES ?? 1000, 0, 1_000_000),
  });
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1000, kib: 1024, mb: 1000 ** 2, mib: 1024 ** 2, gb: 1000 ** 3, gib: 1024 ** 3 };

/** `10485760`, `512KiB`, `10MiB`, `1MB`: a size in bytes. */
function byteSize(name: string, value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1024 || bytes > 2 ** 31) throw new ConfigError(`${name} must be a size from 1KiB to 2GiB such as 10MiB, 512KiB or 1048576, not "${value}"`);
  return bytes;
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) throw new ConfigError(`Database URL "${url}" names no file; write e.g. sqlite:./data/slipway.db`);
    return { kind: 'sqlite', path };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url, poolSize: 10 };
  throw new ConfigError(`Database URL "${url}" is not supported; write sqlite:<path> or postgres://user:password@host:5432/db`);
}

function wholeNumber(name: string, value: string | number, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

function duration(name: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new ConfigError(`${name} must be a duration such as 500ms, 30s or 5m, not "${value}"`);
  return ms;
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (['true', '1', 'yes'].includes(value.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(value.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, not "${value}"`);
}

function absoluteUrl(name: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // fall through to the error
  }
  throw new ConfigError(`${name} must be an http(s) URL such as https://api.openai.com/v1, not "${value}"`);
}
