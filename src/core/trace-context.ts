import { randomFillSync } from 'node:crypto';

/**
 * A run's place in a distributed trace (SPEC §17), made when the run is created and stored
 * with it: the trace it belongs to, the caller's span it continues (from a `traceparent`
 * header, or the parent run's span for a child run), and the id of the run's own span.
 * Every process that executes a step of the run uses `spanId` as the step spans' parent,
 * so a takeover continues the same trace; the process that finishes the run exports the
 * run span under that id.
 */
export interface RunTraceContext {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** The caller's span (16 hex characters), or null when the run started the trace. */
  parentSpanId: string | null;
  /** The run span's own id (16 hex characters), made at creation. */
  spanId: string;
  /** The caller's sampling decision (`traceparent` flag 01); true for a trace the run started. */
  sampled: boolean;
}

/** The span a new run's trace continues: a caller's (`traceparent`) or a parent run's. */
export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ALL_ZERO = /^0+$/;

/**
 * Parses a W3C `traceparent` header (`00-<trace id>-<span id>-<flags>`). Anything else — a
 * missing header, version `ff`, all-zero ids, bad characters — is ignored as the W3C rules
 * say: the run then starts a trace of its own.
 */
export function parseTraceparent(header: string | undefined): TraceParent | null {
  if (header === undefined) return null;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return null;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === 'ff' || (version === '00' && header.trim().length !== 55)) return null;
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(spanId)) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** The `traceparent` header value of a span. */
export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

// Random bytes for new ids are taken from a pool refilled 4 KiB at a time: one randomBytes(24)
// call per run was a tenth of a batch create's time (issue 10 profile). Each id still gets
// fresh bytes of the CSPRNG, never reused.
const POOL_BYTES = 4096;
const ID_BYTES = 24;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function randomHex24(): string {
  if (poolOffset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return hex;
}

/** A fresh run trace context: continuing `parent` (a caller's span) when given, else a new trace. */
export function newRunTraceContext(parent: TraceParent | null): RunTraceContext {
  const bytes = randomHex24();
  return {
    traceId: parent?.traceId ?? bytes.slice(0, 32),
    parentSpanId: parent?.spanId ?? null,
    spanId: bytes.slice(32, 48),
    sampled: parent?.sampled ?? true,
  };
}
