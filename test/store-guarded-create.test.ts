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

    it('leaves a key and a child run to createRun, and a workspace newly found limited once', async (t) => {
      if (!store.createRunIfCurrent) return t.skip('no createRunIfCurrent on this backend');
      const limited = await workspaceWithToken({ daily: 5 });
      // Found limited by the statement (checked): the caller takes createRun, which remembers it.
      assert.deepEqual(await guarded(runInput(limited.ws.id, 'wf'), limited.tokenId), { kind: 'not_created', checked: true });
      assert.equal((await store.createRun(runInput(limited.ws.id, 'wf'))).kind, 'created');
      assert.equal((await guarded(runInput(limited.ws.id, 'wf'), limited.tokenId)).kind, 'created');
      const { ws, tokenId } = await workspaceWithToken();
      assert.deepEqual(await guarded(runInput(ws.id, 'wf', { idempotencyKey: 'k' }), tokenId), { kind: 'not_created', checked: false });
      assert.deepEqual(await guarded(runInput(ws.id, 'wf', { ignoreLimits: true }), tokenId), { kind: 'not_created', checked: false });
      await assertLimitCountersExact(store, limited.ws.id);
    });

    it('in a workspace with limits: the group chunk re-checks each guard after the lock, and the limits stay exact', async (t) => {
      if (!store.createRunIfCurrent) return t.skip('no createRunIfCurrent on this backend');
      const limited = await workspaceWithToken({ daily: 20, concurrent: 15 });
      const revoked = `tok-revoked-${limited.ws.id}`;
      await store.createToken({ id: revoked, workspaceId: limited.ws.id, name: 'r', createdBy: 'test', preview: 'p', hash: `h-r-${limited.ws.id}`,
        createdAt: T0, expiresAt: null, lastUsedAt: null, revokedAt: null });
      assert.equal((await store.createRun(runInput(limited.ws.id, 'wf'))).kind, 'created'); // now known limited
      assert.ok(await pair.other.revokeToken(limited.ws.id, revoked, T0));
      // A burst: good guards, a revoked token, a stale version, unguarded creates, from both stores.
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => {
        const input = runInput(limited.ws.id, 'wf');
        if (i % 4 === 1) return guarded(input, revoked);
        if (i % 4 === 2) return guarded(input, limited.tokenId, 7);
        if (i % 4 === 3) return (i % 8 === 3 ? pair.other : store).createRun(input);
        return guarded(input, limited.tokenId);
      }));
      results.forEach((result, i) => {
        if (i % 4 === 1 || i % 4 === 2) assert.deepEqual(result, { kind: 'not_created', checked: true }, `item ${i}`);
        else assert.ok(['created', 'concurrent_limit_exceeded'].includes(result.kind), `item ${i}: ${result.kind}`);
      });
      // 1 before + 20 asked for; the concurrent limit (15 active) binds first.
      assert.equal(results.filter((result) => result.kind === 'created').length, 14);
      const counted = await assertLimitCountersExact(store, limited.ws.id);
      assert.equal(counted.activeRuns, 15);
    });
  });
}
