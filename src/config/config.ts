import { parseDuration } from '../core/duration.js';

/** Where the data lives, parsed from `--database-url` / `SLIPWAY_DATABASE_URL`. */
export type DatabaseTarget =
  | { kind: 'sqlite'; path: string }
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
  /** First wait before a failed webhook delivery is tried again; doubles each time (`SLIPWAY_WEBHOOK_BACKOFF`). */
  webhookBackoffMs: number;
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
  /** Modules that export host step types (`SLIPWAY_STEP_TYPES`, comma-separated paths). */
  stepTypeModules: string[];
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
  const config: Config = {
    database,
    host: overrides.host ?? env.SLIPWAY_HOST ?? '127.0.0.1',
    port: wholeNumber('port (--port / SLIPWAY_PORT)', overrides.port ?? env.SLIPWAY_PORT ?? 8080, 0, 65535),
    concurrency: wholeNumber('concurrency (--concurrency / SLIPWAY_CONCURRENCY)', overrides.concurrency ?? env.SLIPWAY_CONCURRENCY ?? 4, 0, 1000),
    leaseMs: duration('SLIPWAY_LEASE_TIMEOUT', env.SLIPWAY_LEASE_TIMEOUT ?? '30s'),
    pollIntervalMs: duration('SLIPWAY_POLL_INTERVAL', env.SLIPWAY_POLL_INTERVAL ?? '500ms'),
    shutdownGraceMs: duration('SLIPWAY_SHUTDOWN_GRACE', env.SLIPWAY_SHUTDOWN_GRACE ?? '10s'),
    webhookBackoffMs: duration('SLIPWAY_WEBHOOK_BACKOFF', env.SLIPWAY_WEBHOOK_BACKOFF ?? '5s'),
    logLevel: env.SLIPWAY_LOG_LEVEL ?? 'info',
    stepConcurrency: wholeNumber('SLIPWAY_STEP_CONCURRENCY', env.SLIPWAY_STEP_CONCURRENCY ?? 8, 1, 1000),
    httpAllowPrivate: flag('SLIPWAY_HTTP_ALLOW_PRIVATE', env.SLIPWAY_HTTP_ALLOW_PRIVATE),
    httpMaxResponseBytes: wholeNumber('SLIPWAY_HTTP_MAX_RESPONSE_BYTES', env.SLIPWAY_HTTP_MAX_RESPONSE_BYTES ?? 10 * 1024 * 1024, 1, 2 ** 31),
    llmBaseUrl: absoluteUrl('SLIPWAY_LLM_BASE_URL', env.SLIPWAY_LLM_BASE_URL ?? 'https://api.openai.com/v1'),
    llmApiKey: env.SLIPWAY_LLM_API_KEY || null,
    stepTypeModules: (env.SLIPWAY_STEP_TYPES ?? '').split(',').map((p) => p.trim()).filter(Boolean),
  };
  return Object.freeze(config);
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
