import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { DAY_START } from './store-fixtures.js';

/**
 * Asserts that the workspace's limit counters (migration 018, kept by triggers) equal
 * count(*) over its runs: active root runs, and root runs created since `dayStart`.
 */
export async function assertLimitCountersExact(store: Store, workspaceId: number, dayStart = DAY_START): Promise<{ activeRuns: number; runsToday: number }> {
  const { counters, recounted } = await store.auditLimitCounters(workspaceId, dayStart);
  assert.deepEqual(counters, recounted, `limit counters of workspace ${workspaceId} differ from count(*)`);
  return counters;
}
