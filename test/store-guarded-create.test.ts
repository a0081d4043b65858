import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { NewRun, Store } from '../src/store/store.js';
import { T0, applyWorkflow, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { assertLimitCountersExact } from './support/limit-counters.js';
import { testBackends } from './support/test-server.js';

const DAY = 86_400_000;

/**
 * `createRunIfCurrent` (issue 10, PostgreSQL): the one-statement create that re-checks the
 * caller's token and the workflow's default version in its own statement. Writes by the other
 * store of the pair stand for another process. Backends without it are skipped.
 */
for (const backend of testBackends()) {
  describe(`Store: guarded one-statement create [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
    });
    afterEach(() => pair.close());

    async function workspaceWithToken(limits: { daily?: number; concurrent?: number } = {}) {
      const ws = await newWorkspace(store, limits);
      await applyWorkflow(store, ws.id, 'wf');
      const tokenId = `tok-${ws.id}`;
      await store.createToken({ id: tokenId, workspaceId: ws.id, name: 't', createdBy: 'test', preview: 'p', hash: `h-${ws.id}-${Math.random()}`,
        createdAt: T0, expiresAt: T0 + DAY, lastUsedAt: null, revokedAt: null });
      return { ws, tokenId };
    }
    const guarded = (input: NewRun, tokenId: string, workflowVersion = 1) => store.createRunIfCurrent!(input, { tokenId, workflowVersion });

    it('creates the run as stored, with its QUEUED event, when the token and version hold (also with a concurrency key)', async (t) => {
      if (!store.createRunIfCurrent) return t.skip('no createRunIfCurrent on this backend');
      const { ws, tokenId } = await workspaceWithToken();
      for (const input of [runInput(ws.id, 'wf'), runInput(ws.id, 'wf', { flow: { priority: 5, notBefore: null, ttlMs: null, concurrency: { key: 'k', limit: 1 } } })]) {
        const result = await guarded(input, tokenId);
        assert.equal(result.kind, 'created');
        const run = (result as { run: import('../src/store/store.js').Run }).run;
        assert.deepEqual(run, await store.getRun(ws.id, run.id));
        const events = await store.listRunEvents(run.id, 0, 10);
        assert.deepEqual(events.map((event) => [event.seq, event.type]), [[1, 'run.status']]);
      }
      await assertLimitCountersExact(store, ws.id);
    });

    it('writes nothing when the token was revoked, has expired, is of another workspace or unknown, or the version moved on', async (t) => {
      if (!store.createRunIfCurrent) return t.skip('no createRunIfCurrent on this backend');
      const { ws, tokenId } = await workspaceWithToken();
      const otherWs = await workspaceWithToken();
      const refusedWith = async (input: NewRun, token: string, version = 1) => {
        assert.deepEqual(await guarded(input, token, version), { kind: 'not_created', checked: true });
        assert.equal(await store.getRun(ws.id, input.id), null);
      };
      await refusedWith(runInput(ws.id, 'wf'), otherWs.tokenId);
      await refusedWith(runInput(ws.id, 'wf'), 'tok-unknown');
      await refusedWith(runInput(ws.id, 'wf', { now: T0 + DAY }), tokenId);
      await refusedWith(runInput(ws.id, 'nope'), tokenId);
      // A new default version published by the other process.
      await applyWorkflow(pair.other, ws.id, 'wf', { marker: 'v2' });
      await refusedWith(runInput(ws.id, 'wf'), tokenId, 1);
      assert.equal((await guarded(runInput(ws.id, 'wf'), tokenId, 2)).kind, 'created');
      // Revoked by the other process.
      assert.ok(await pair.other.revokeToken(ws.id, tokenId, T0));
      await refusedWith(runInput(ws.id, 'wf'), tokenId, 2);
    });

    it('leaves a workspace with limits, a key and a child run to createRun', async (t) => {
      if (!store.createRunIfCurrent) return t.skip('no createRunIfCurrent on this backend');
      const limited = await workspaceWithToken({ daily: 5 });
      // Found limited by the statement (checked), then known: not even tried.
      assert.deepEqual(await guarded(runInput(limited.ws.id, 'wf'), limited.tokenId), { kind: 'not_created', checked: true });
      assert.equal((await store.createRun(runInput(limited.ws.id, 'wf'))).kind, 'created');
      assert.deepEqual(await guarded(runInput(limited.ws.id, 'wf'), limited.tokenId), { kind: 'not_created', checked: false });
      const { ws, tokenId } = await workspaceWithToken();
      assert.deepEqual(await guarded(runInput(ws.id, 'wf', { idempotencyKey: 'k' }), tokenId), { kind: 'not_created', checked: false });
      assert.deepEqual(await guarded(runInput(ws.id, 'wf', { ignoreLimits: true }), tokenId), { kind: 'not_created', checked: false });
      await assertLimitCountersExact(store, limited.ws.id);
    });
  });
}
