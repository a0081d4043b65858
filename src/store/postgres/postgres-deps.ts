import type pg from 'pg';
import type { Row } from '../rows.js';
import type { EndedRun } from '../run-endings.js';

/** What the per-topic query modules of the PostgreSQL store receive from it. */
export interface PostgresDeps {
  /** `prepared`: a name for a hot statement of constant text, prepared once per connection. */
  query(sql: string, params?: unknown[], options?: { prepared?: string }): Promise<Row[]>;
  one(sql: string, params?: unknown[]): Promise<Row | undefined>;
  /** Runs `work` in one transaction on one pooled connection; ROLLBACK on any error. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Wakes this process's own workers at once (NOTIFY reaches the other processes). */
  notifyQueued(): void;
  /**
   * After the COMMIT of a write that appended run events (appendRunEventsPg): wakes this
   * process's readers and NOTIFYs the other processes (coalesced, outside the transaction).
   */
  announceRunEvents(runId: string): void;
  /** The same for this process's readers alone (no NOTIFY): a write no reader elsewhere can be waiting for. */
  announceRunEventsLocally(runId: string): void;
  /** After the COMMIT of a write that ended runs: reports them to `onRunsEnded` listeners (this process only). */
  announceRunsEnded(runs: readonly EndedRun[]): void;
}
