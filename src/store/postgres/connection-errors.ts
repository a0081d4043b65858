import { AppError } from '../../core/errors.js';

/**
 * Errors that mean "the database cannot be reached right now" rather than "this query is
 * wrong": refused or dropped connections, a server shutting down or starting up. They
 * are worth retrying, and the HTTP layer answers them with 503 instead of 500.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now).
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[123])$/;

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  if (code && (NETWORK_CODES.has(code) || SQLSTATE_UNAVAILABLE.test(code))) return true;
  // node-postgres reports a dropped socket or an exhausted pool wait with plain messages.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(error.message);
}

/** Turns a connection failure into the catalogue's `service_unavailable`; other errors pass through. */
export function asUnavailable(error: unknown): unknown {
  if (!isConnectionError(error)) return error;
  return new AppError('service_unavailable', 'The database is unavailable; retry shortly.');
}

/** Where a URL points, without its password, for error messages. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `postgres://${user}${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the configured PostgreSQL URL';
  }
}

/** A start-up failure explained in terms of what to check. */
export function startupError(error: unknown, url: string): Error {
  const where = describePostgresUrl(url);
  const code = (error as { code?: string }).code;
  const reason = (error as Error).message;
  let hint = 'check --database-url / SLIPWAY_DATABASE_URL';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') hint = 'is PostgreSQL running and reachable at that host and port?';
  else if (code === '28P01' || code === '28000') hint = 'the user name or password is wrong';
  else if (code === '3D000') hint = 'the database does not exist; create it first (createdb) or fix the name in the URL';
  const wrapped = new Error(`cannot use PostgreSQL at ${where}: ${reason} (${hint})`);
  (wrapped as Error & { cause?: unknown }).cause = error;
  return wrapped;
}
