import type { RunControlStore } from './run-control-store.js';
import type { FlowStore } from './flow-store.js';
import type { LeaseStore } from './lease-store.js';
import type { RunStore } from './run-store.js';
import type { TenancyStore } from './tenancy-store.js';
import type { WorkflowStore } from './workflow-store.js';
import type { WebhookStore } from './webhook-store.js';
import type { ScheduleStore } from './schedule-store.js';
import type { RunEventStore } from './run-events-store.js';
import type { WaitpointStore } from './waitpoint-store.js';
import type { SecretStore } from './secret-store.js';
import type { ReadinessStore } from './readiness-store.js';
import type { StepLogStore } from './step-log-store.js';
import type { WorkerStore } from './worker-store.js';
import type { WaitingStore } from './waiting-store.js';
import type { RetentionStore } from './retention-store.js';
import type { LimitCounterStore } from './limit-counter-store.js';

export type * from './types.js';
export type * from './tenancy-store.js';
export type * from './workflow-store.js';
export type * from './run-store.js';
export type * from './lease-store.js';
export type * from './webhook-store.js';
export type * from './secret-store.js';
export type * from './schedule-store.js';
export type * from './run-events-store.js';
export type * from './run-events.js';
export type * from './readiness-store.js';
export type * from './step-log-store.js';
export type * from './waitpoint-store.js';
export type * from './flow-store.js';
export type * from './worker-store.js';
export type * from './waiting-store.js';
export type * from './retention-store.js';
export type { EndedRun } from './run-endings.js';
export type * from './limit-counter-store.js';

/**
 * The one seam between Slipway and its database (STYLE principles 1, 2), composed of one
 * small interface per topic. Every operation is a domain operation; each backend writes
 * its own SQL, one file per topic in each dialect folder (`sqlite/sqlite-<topic>.ts`,
 * `postgres/postgres-<topic>.ts`). Operations that can lose a race return a result
 * instead of throwing. The shared contract suite in test/store-contract.test.ts runs
 * against every implementation.
 *
 * A new topic adds `store/<topic>-store.ts` with its interface, extends it here, and
 * wires its two dialect files into `sqlite-store.ts` and `postgres-store.ts`.
 */
export interface Store extends TenancyStore, WorkflowStore, RunStore, LeaseStore, ScheduleStore, WebhookStore, RunEventStore, SecretStore, ReadinessStore, StepLogStore, WaitpointStore, RunControlStore, RetentionStore, LimitCounterStore, FlowStore,
  WorkerStore, WaitingStore {
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
