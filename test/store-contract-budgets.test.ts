import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Run, Store } from '../src/store/store.js';
import { applyWorkflow, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

/** The store's side of the child-run budgets (SPEC §16): every child knows its root and depth. */
for (const backend of testBackends()) {
  describe(`Store contract: child-run tree budgets [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    let workspaceId: number;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
      workspaceId = (await newWorkspace(store)).id;
      await applyWorkflow(store, workspaceId, 'wf');
    });
    afterEach(() => pair.close());

    const limits = { maxDepth: 2, maxTree: 3 };
    async function child(parent: Run, key: string | null = null) {
      return store.createRun(runInput(workspaceId, 'wf', { parentRunId: parent.id, ignoreLimits: true, childRunLimits: limits, idempotencyKey: key }));
    }
    const created = (result: Awaited<ReturnType<Store['createRun']>>): Run => {
      assert.equal(result.kind, 'created', JSON.stringify(result));
      return (result as { run: Run }).run;
    };

    it('places children under their root with their depth, and refuses past the depth budget', async () => {
      const root = created(await store.createRun(runInput(workspaceId, 'wf')));
      assert.deepEqual([root.rootRunId, root.depth], [null, 0]);
      const first = created(await child(root));
      assert.deepEqual([first.rootRunId, first.depth], [root.id, 1]);
      const second = created(await child(first));
      assert.deepEqual([second.rootRunId, second.depth], [root.id, 2]);
      assert.deepEqual((await store.getRun(workspaceId, second.id))?.depth, 2);
      const third = await child(second);
      assert.equal(third.kind, 'child_run_limit');
      assert.match((third as { message: string }).message, /SLIPWAY_MAX_RUN_DEPTH/);
    });

    it('counts all descendants of a root, across levels and in parallel, and still replays a known child', async () => {
      const root = created(await store.createRun(runInput(workspaceId, 'wf')));
      const a = created(await child(root, 'key-a'));
      // Both stores at once, as two processes would: exactly the budget gets through.
      const results = await Promise.all([
        child(a), child(root),
        pair.other.createRun(runInput(workspaceId, 'wf', { parentRunId: root.id, ignoreLimits: true, childRunLimits: limits })),
        pair.other.createRun(runInput(workspaceId, 'wf', { parentRunId: a.id, ignoreLimits: true, childRunLimits: limits })),
      ]);
      assert.equal(results.filter((r) => r.kind === 'created').length, 2);
      assert.equal(results.filter((r) => r.kind === 'child_run_limit').length, 2);
      const refused = await child(root);
      assert.match((refused as { message: string }).message, /SLIPWAY_MAX_RUN_TREE/);
      const replay = await child(root, 'key-a');
      assert.equal(replay.kind, 'replayed');
      // Another root has its own budget.
      const otherRoot = created(await store.createRun(runInput(workspaceId, 'wf')));
      created(await child(otherRoot));
    });
  });
}
