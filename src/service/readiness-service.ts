import type { Readiness, Store } from '../store/store.js';

/** How long `/readyz` waits for the database before answering "not ready" (probes time out at ~1 s). */
export const READINESS_TIMEOUT_MS = 2_000;

/**
 * Readiness for an orchestrator (SPEC §17): the database answers and is migrated. A check
 * that takes longer than `timeoutMs` (a database host that vanished without refusing) is
 * `unreachable`, so a probe gets its answer instead of timing out itself.
 */
export function createReadinessService(deps: { store: Pick<Store, 'checkReadiness'>; timeoutMs?: number }) {
  const timeoutMs = deps.timeoutMs ?? READINESS_TIMEOUT_MS;
  return {
    async check(): Promise<Readiness> {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<Readiness>((resolve) => {
        timer = setTimeout(() => resolve({ ready: false, reason: 'unreachable', detail: `The database did not answer within ${timeoutMs} ms.` }), timeoutMs);
      });
      try {
        return await Promise.race([deps.store.checkReadiness(), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type ReadinessService = ReturnType<typeof createReadinessService>;
