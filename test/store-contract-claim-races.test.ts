import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Run, Store } from '../src/store/store.js';
import { leaseOf } from '../src/store/lease-store.js';
import { T0, applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { testBackends } from './support/test-server.js';

/**
 * The claim under races (issue 10's one-statement claim on PostgreSQL, the claim of every
 * backend): many claimers on two stores (two processes) at once, with cancels of queued keyed
 * runs racing them, keyed runs of three keys beside plain runs of two workspaces. Per round:
 * no run claimed twice, no key above its limit, a canceled run never claimed, and every run in
 * the end claimed or canceled (none stranded). A round's claimed runs finish together
 * (PostgreSQL: group finishes) while the next round claims: a finish takes its run's row, then
 * its key's row, which a claim may hold.
 */
for (const backend of testBackends()) {
  describe(`Store contract: claims racing claims and cancels [${backend}]`, () => {
    let pair: StorePair;
    beforeEach(async () => {
      pair = await openStorePair(backend);
    });
    afterEach(() => pair.close());

    it('keeps per-key limits exact and claims every run once, round after round', async () => {
      const stores: Store[] = [pair.store, pair.other];
      const a = await newWorkspace(pair.store);
      const b = await newWorkspace(pair.store);
      for (const ws of [a, b]) await applyWorkflow(pair.store, ws.id, 'flow');
      const limit = 2;
      const keys = ['k1', 'k2', 'k3'];
      const keyed: { id: string; key: string }[] = [];
      for (let i = 0; i < 36; i++) {
        const key = keys[i % keys.length]!;
        const created = await pair.store.createRun(runInput(a.id, 'flow', { now: T0 + i, flow: { priority: i % 5, notBefore: null, ttlMs: null, concurrency: { key, limit } } }));
        assert.equal(created.kind, 'created');
        if (created.kind === 'created') keyed.push({ id: created.run.id, key });
      }
      for (let i = 0; i < 20; i++) assert.equal((await pair.store.createRun(runInput(i % 2 ? a.id : b.id, 'flow', { now: T0 + i }))).kind, 'created');
      const keyOf = new Map(keyed.map((run) => [run.id, run.key]));
      const canceled = new Set<string>();
      const claimedEver = new Set<string>();
      let now = T0 + 100;
      let previous: Run[] = [];
      for (let round = 0; round < 60 && (round < 12 || claimedEver.size + canceled.size < 56); round++) {
        now += 10;
        // Cancel two queued keyed runs of this round while eight claimers race.
        const toCancel = keyed.filter((run) => !claimedEver.has(run.id) && !canceled.has(run.id)).slice(round % 3, round % 3 + 2);
        // The previous round's runs finish while this round claims (a finish takes its key's row).
        const finishing = previous;
        const [claims, cancels, finished] = await Promise.all([
          Promise.all(Array.from({ length: 8 }, (_, i) => stores[i % 2]!.claimRuns(claimInput(`w${i}`, 3, now, 60_000)))),
          Promise.all(toCancel.map((run, i) => stores[(i + 1) % 2]!.cancelQueuedRun(a.id, run.id, now))),
          Promise.all(finishing.map((run, i) => stores[i % 2]!.finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: round, error: null, now }))),
        ]);
        assert.ok(finished.every(Boolean), `round ${round}: every claimed run finishes under its claim`);
        const claimed: Run[] = claims.flat();
        cancels.forEach((result, i) => result.kind === 'canceled' && canceled.add(toCancel[i]!.id));
        const ids = claimed.map((run) => run.id);
        assert.equal(new Set(ids).size, ids.length, `round ${round}: no run claimed twice in the round`);
        for (const id of ids) {
          assert.ok(!claimedEver.has(id), `round ${round}: ${id} claimed again after it finished`);
          assert.ok(!canceled.has(id), `round ${round}: ${id} canceled and claimed`);
          claimedEver.add(id);
        }
        const perKey = new Map<string, number>();
        for (const id of ids) if (keyOf.has(id)) perKey.set(keyOf.get(id)!, (perKey.get(keyOf.get(id)!) ?? 0) + 1);
        // At most the limit per key, however many of the previous round's were still active (a
        // claimer that locked a key but filled its batch elsewhere makes the others skip it for
        // that instant, so a key may get fewer in a round; the loop ends only when every run was
        // claimed or canceled, so none is stranded).
        for (const key of keys) assert.ok((perKey.get(key) ?? 0) <= limit, `round ${round}: key ${key} has ${perKey.get(key)} active, limit ${limit}`);
        previous = claimed;
      }
      assert.ok((await Promise.all(previous.map((run) => pair.store.finishRun({ lease: leaseOf(run), status: 'COMPLETED', output: 0, error: null, now: now + 1 })))).every(Boolean));
      const all = [...(await pair.store.listRuns(a.id, { page: 1, limit: 200 })).items, ...(await pair.store.listRuns(b.id, { page: 1, limit: 200 })).items];
      assert.equal(all.length, 56);
      for (const run of all) {
        assert.equal(run.status, canceled.has(run.id) ? 'CANCELED' : 'COMPLETED', `${run.id} ended as it should`);
      }
      assert.deepEqual(await pair.store.listConcurrencyKeys(a.id), [], 'every key idle and gone');
    });
  });
}
