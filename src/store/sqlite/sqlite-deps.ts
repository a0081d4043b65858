import type Database from 'better-sqlite3';
import type { Row } from '../rows.js';
import type { GroupCommit } from './group-commit.js';
import type { EndedRun } from '../run-endings.js';

/** What the per-topic query modules of the SQLite store receive from it. */
export interface SqliteDeps {
  db: Database.Database;
  /** First row of a prepared (and cached) statement, or undefined. */
  one(sql: string, ...params: unknown[]): Row | undefined;
  all(sql: string, ...params: unknown[]): Row[];
  run(sql: string, ...params: unknown[]): Database.RunResult;
  /** Group commit for the hot writes (see group-commit.ts). */
  writes: GroupCommit;
  /** Wakes this process's workers at once: a run is claimable now. */
  notifyQueued(): void;
  /** After the commit of a write that appended run events (appendRunEventsSqlite): wakes this process's readers. */
  announceRunEvents(runId: string): void;
  /** After the commit of a write that ended runs: reports them to `onRunsEnded` listeners (this process only). */
  announceRunsEnded(runs: readonly EndedRun[]): void;
}
