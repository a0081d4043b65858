/** Whether this process's database can serve requests (SPEC §17 readiness). */
export type Readiness =
  | { ready: true }
  | { ready: false; reason: 'unreachable' | 'not_migrated'; detail: string };

export interface ReadinessStore {
  /**
   * Checks that the database answers and has every migration this build knows applied.
   * Never throws: a database that cannot be reached is a returned `unreachable`.
   */
  checkReadiness(): Promise<Readiness>;
  /** Runs waiting to be claimed, across workspaces (the `slipway_queue_depth` gauge); an index-only count. */
  countQueuedRuns(): Promise<number>;
}

/** Shared verdict of both dialects: ready when no expected migration is missing. */
export function missingMigrations(expected: readonly string[], applied: ReadonlySet<string>): Readiness {
  const missing = expected.filter((name) => !applied.has(name));
  if (missing.length === 0) return { ready: true };
  return { ready: false, reason: 'not_migrated', detail: `Migrations not applied yet: ${missing.join(', ')}.` };
}
