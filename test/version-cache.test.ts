import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowStore, WorkflowVersion } from '../src/store/store.js';
import { withVersionCache } from '../src/store/version-cache.js';

/** A workflow store that only knows versions 1..3 of "flow" and counts its reads. */
function countingStore() {
  const reads: number[] = [];
  const store = {
    async getWorkflowVersion(workspaceId: number, workflowId: string, version: number): Promise<WorkflowVersion | null> {
      reads.push(version);
      if (workflowId !== 'flow' || version > 3) return null;
      return { workspaceId, workflowId, version, definition: { steps: [{ id: 'a' }] }, createdAt: 0 };
    },
  } as unknown as WorkflowStore;
  return { store, reads };
}

describe('published-version cache', () => {
  it('reads each published version once and hands out one frozen object', async () => {
    const { store, reads } = countingStore();
    const cached = withVersionCache(store);
    const first = await cached.getWorkflowVersion(1, 'flow', 1);
    const again = await cached.getWorkflowVersion(1, 'flow', 1);
    assert.equal(again, first);
    assert.deepEqual(reads, [1]);
    assert.ok(Object.isFrozen((first!.definition as { steps: object[] }).steps[0]));
    // another workspace is another key
    await cached.getWorkflowVersion(2, 'flow', 1);
    assert.deepEqual(reads, [1, 1]);
  });

  it('does not cache a version that is not there (it may be published a moment later)', async () => {
    const { store, reads } = countingStore();
    const cached = withVersionCache(store);
    assert.equal(await cached.getWorkflowVersion(1, 'flow', 9), null);
    assert.equal(await cached.getWorkflowVersion(1, 'flow', 9), null);
    assert.deepEqual(reads, [9, 9]);
  });

  it('keeps at most `size` versions, least recently used out', async () => {
    const { store, reads } = countingStore();
    const cached = withVersionCache(store, 2);
    await cached.getWorkflowVersion(1, 'flow', 1);
    await cached.getWorkflowVersion(1, 'flow', 2);
    await cached.getWorkflowVersion(1, 'flow', 1); // 1 is now the most recent
    await cached.getWorkflowVersion(1, 'flow', 3); // evicts 2
    await cached.getWorkflowVersion(1, 'flow', 1);
    await cached.getWorkflowVersion(1, 'flow', 2);
    assert.deepEqual(reads, [1, 2, 3, 2]);
  });
});
