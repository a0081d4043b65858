import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ApiToken, Store } from '../src/store/store.js';
import { DAY_START, T0, applyWorkflow, claimInput, newWorkspace, openStorePair, runInput, type StorePair } from './support/store-fixtures.js';
import { leaseOf } from '../src/store/lease-store.js';
import { testBackends } from './support/test-server.js';
import { waitFor } from './support/wait-for.js';

/**
 * The Store contract (STYLE principle 1): every operation, on every backend, with the
 * same expectations. Races are in store-contract-races.test.ts. Intended differences
 * between the backends are tested where they are (see the LISTEN/NOTIFY case).
 */
for (const backend of testBackends()) {
  describe(`Store contract [${backend}]`, () => {
    let pair: StorePair;
    let store: Store;
    // A fresh database per test: claims see every workspace, so tests must not share one.
    beforeEach(async () => {
      pair = await openStorePair(backend);
      store = pair.store;
    });
    afterEach(() => pair.close());

    it('migrate is idempotent', async () => {
      await store.migrate();
      await pair.other.migrate();
    });

    it('creates default tenancy once, then organizations and workspaces', async () => {
      const created = await store.createDefaultWorkspaceIfEmpty(T0);
      assert.ok(created);
      assert.equal(created.name, 'default');
      assert.equal(await store.createDefaultWorkspaceIfEmpty(T0), null);
      const org = await store.getOrganization(created.organizationId);
      assert.equal(org?.name, 'default');
      const ws = await store.createWorkspace({ name: 'second', organizationId: null, dailyRunLimit: 5, concurrentRunLimit: 2, now: T0 + 1 });
      assert.equal(ws.organizationId, created.organizationId, 'null organization means the first one');
      assert.deepEqual(await store.getWorkspace(ws.id), { id: ws.id, organizationId: created.organizationId, name: 'second', dailyRunLimit: 5, concurrentRunLimit: 2, retention: { completed: null, failed: null, canceled: null }, createdAt: T0 + 1 });
      const otherOrg = await store.createOrganization('acme', T0);
      const third = await store.createWorkspace({ name: 'third', organizationId: otherOrg.id, dailyRunLimit: null, concurrentRunLimit: null, now: T0 });
      assert.equal(third.organizationId, otherOrg.id);
      assert.deepEqual((await store.listWorkspaces()).map((w) => w.name).slice(0, 3), ['default', 'second', 'third']);
      assert.equal(await store.getWorkspace(999_999), null);
      assert.equal(await store.getOrganization(999_999), null);
    });

    it('stores tokens by hash, lists, revokes once, records use', async () => {
      const ws = await newWorkspace(store);
      const other = await newWorkspace(store);
      const token = (id: string, createdAt: number): ApiToken => ({
        id, workspaceId: ws.id, name: `t-${id}`, createdBy: 'me', preview: 'slat_abcdefg...wxyz', hash: `hash-${backend}-${id}`,
        createdAt, expiresAt: createdAt + 1000, lastUsedAt: null, revokedAt: null,
      });
      await store.createToken(token('tok-a', T0));
      await store.createToken(token('tok-b', T0 + 5));
      const found = await store.findTokenByHash(`hash-${backend}-tok-a`);
      assert.deepEqual(found?.token, token('tok-a', T0));
      assert.equal(found?.workspace.id, ws.id);
      assert.equal(await store.findTokenByHash('nope'), null);
      assert.deepEqual((await store.listTokens(ws.id)).map((t) => t.id), ['tok-b', 'tok-a'], 'newest first');
      assert.equal(await store.getToken(other.id, 'tok-a'), null, 'scoped to its workspace');
      assert.equal(await store.revokeToken(other.id, 'tok-a', T0), false);
      assert.equal(await store.revokeToken(ws.id, 'tok-a', T0 + 10), true);
      assert.equal(await store.revokeToken(ws.id, 'tok-a', T0 + 11), false, 'already revoked');
      await store.recordTokenUse('tok-b', T0 + 20);
      const b = await store.getToken(ws.id, 'tok-b');
      assert.equal(b?.lastUsedAt, T0 + 20);
      assert.equal((await store.getToken(ws.id, 'tok-a'))?.revokedAt, T0 + 10);
    });

    it('applies workflows: draft, publish, unchanged, new version, lists and versions', async () => {
      const ws = await newWorkspace(store);
      const draft = await applyWorkflow(store, ws.id, 'flow', { publish: false, now: T0 });
      assert.equal(draft.created, true);
      assert.equal(draft.publishedVersion, null);
      assert.equal(draft.workflow.status, 'draft');
      assert.equal(draft.workflow.defaultVersion, 0);
      const v1 = await applyWorkflow(store, ws.id, 'flow', { now: T0 + 1 });
      assert.equal(v1.created, false);
      assert.equal(v1.publishedVersion, 1);
      assert.equal(v1.workflow.uuid, draft.workflow.uuid, 'uuid is kept');
      assert.equal(v1.workflow.createdAt, T0);
      assert.equal(v1.workflow.updatedAt, T0 + 1);
      assert.equal((await applyWorkflow(store, ws.id, 'flow', { now: T0 + 2 })).publishedVersion, null, 'same definition: nothing new');
      const v2 = await applyWorkflow(store, ws.id, 'flow', { marker: 'v2', now: T0 + 3 });
      assert.equal(v2.publishedVersion, 2);
      assert.equal(v2.workflow.defaultVersion, 2);
      assert.equal(v2.workflow.totalVersions, 2);
      assert.deepEqual(v2.workflow.categories, ['c']);
      assert.deepEqual((await store.getWorkflowVersion(ws.id, 'flow', 1))?.definition, { id: 'flow', steps: [{ id: 's', type: 'transform', with: { value: 'v1' } }] });
      assert.equal(await store.getWorkflowVersion(ws.id, 'flow', 3), null);
      assert.deepEqual((await store.listWorkflowVersions(ws.id, 'flow')).map((v) => v.version), [2, 1]);
      // Definitions come back exactly as applied, key order included (outputs inherit it).
      const ordered = { zeta: 1, id: 'ordered', alpha: { b: [{ y: 1, x: 2 }], a: 'x' } };
      await store.applyWorkflow({
        workspaceId: ws.id, workflowId: 'ordered', uuid: 'u-ordered', publish: true, now: T0 + 4, definition: ordered,
        fields: { name: 'Ordered', description: '', categories: ['z', 'a'], emoji: '', color: '', readme: '' },
      });
      assert.equal(JSON.stringify((await store.getWorkflowVersion(ws.id, 'ordered', 1))?.definition), JSON.stringify(ordered));
      assert.equal(JSON.stringify((await store.getWorkflow(ws.id, 'ordered'))?.draftDefinition), JSON.stringify(ordered));
      await store.applyWorkflow({
        workspaceId: ws.id, workflowId: 'ordered', uuid: 'u-ordered', publish: true, now: T0 + 5, definition: { id: 'ordered', zeta: 1, alpha: { a: 'x', b: [{ y: 1, x: 2 }] } },
        fields: { name: 'Ordered', description: '', categories: ['z', 'a'], emoji: '', color: '', readme: '' },
      });
      assert.equal((await store.getWorkflow(ws.id, 'ordered'))?.defaultVersion, 2, 'a reordered definition is a new version, on every backend');
      await applyWorkflow(store, ws.id, 'other', { publish: false, name: 'Another FLOW', now: T0 + 10 });
      const all = await store.listWorkflows(ws.id, { page: 1, limit: 10 });
      assert.deepEqual(all.items.map((w) => w.id), ['other', 'ordered', 'flow'], 'most recently updated first');
      assert.equal(all.total, 3);
      assert.deepEqual((await store.listWorkflows(ws.id, { status: 'published', page: 1, limit: 10 })).items.map((w) => w.id), ['ordered', 'flow']);
      assert.deepEqual((await store.listWorkflows(ws.id, { status: 'draft', page: 1, limit: 10 })).items.map((w) => w.id), ['other']);
      assert.deepEqual((await store.listWorkflows(ws.id, { search: 'flow', page: 1, limit: 10 })).items.map((w) => w.id), ['other', 'flow']);
      assert.deepEqual((await store.listWorkflows(ws.id, { search: 'nother f', page: 1, limit: 10 })).items.map((w) => w.id), ['other']);
      assert.deepEqual((await store.listWorkflows(ws.id, { search: '%', page: 1, limit: 10 })).total, 0, 'no wildcards');
      const page2 = await store.listWorkflows(ws.id, { page: 2, limit: 2 });
      assert.deepEqual([page2.items.map((w) => w.id), page2.total], [['flow'], 3]);
      assert.equal(await store.getWorkflow(ws.id + 1000, 'flow'), null);
      assert.deepEqual((await store.getWorkflow(ws.id, 'flow'))?.draftDefinition, { id: 'flow', steps: [{ id: 's', type: 'transform', with: { value: 'v2' } }] });
    });

    it('creates runs with idempotency, limits and scoping', async () => {
      const ws = await newWorkspace(store, { daily: 3, concurrent: 2 });
      await applyWorkflow(store, ws.id, 'flow');
      await applyWorkflow(store, ws.id, 'flow2');
      const first = await store.createRun(runInput(ws.id, 'flow', { idempotencyKey: 'k1', metadata: { z: 1, a: 2 } }));
      assert.equal(first.kind, 'created');
      if (first.kind !== 'created') return;
      assert.equal(first.run.status, 'QUEUED');
      assert.deepEqual(first.run.inputs, { name: 'Ada', nested: { b: 1, a: [1, 2] } });
      assert.deepEqual(Object.keys(first.run.metadata!), ['z', 'a'], 'key order kept');
      assert.equal(first.run.workflowVersion, null);
      assert.equal(first.run.claimCount, 0);
      const replay = await store.createRun(runInput(ws.id, 'flow', { idempotencyKey: 'k1' }));
      assert.deepEqual(replay, { kind: 'replayed', run: first.run });
      const conflict = await store.createRun(runInput(ws.id, 'flow2', { idempotencyKey: 'k1' }));
      assert.equal(conflict.kind, 'idempotency_conflict');
      assert.deepEqual(await store.findRunByIdempotencyKey(ws.id, 'k1'), first.run);
      assert.equal(await store.findRunByIdempotencyKey(ws.id + 1000, 'k1'), null);
      assert.equal((await store.createRun(runInput(ws.id, 'flow'))).kind, 'created');
      assert.deepEqual(await store.createRun(runInput(ws.id, 'flow')), { kind: 'concurrent_limit_exceeded', limit: 2 });
      assert.equal((await store.createRun(runInput(ws.id, 'flow', { idempotencyKey: 'k1' }))).kind, 'replayed', 'a replay is never refused by a limit');
      const child = await store.createRun(runInput(ws.id, 'flow', { ignoreLimits: true, parentRunId: first.run.id }));
      assert.equal(child.kind, 'created', 'child runs skip the limits');
      assert.equal(child.kind === 'created' && child.run.parentRunId, first.run.id);
      assert.equal((await store.cancelQueuedRun(ws.id, first.run.id, T0 + 1)).kind, 'canceled');
      assert.equal((await store.createRun(runInput(ws.id, 'flow'))).kind, 'created', 'canceled runs free a slot');
      await store.cancelQueuedRun(ws.id, (await store.listRuns(ws.id, { page: 1, limit: 1, status: 'QUEUED' })).items[0]!.id, T0 + 2);
      assert.deepEqual(await store.createRun(runInput(ws.id, 'flow')), { kind: 'daily_limit_exceeded', limit: 3 });
      assert.equal((await store.createRun(runInput(ws.id, 'flow', { now: T0 + 86_400_000, dayStart: DAY_START + 86_400_000 }))).kind, 'created', 'a new UTC day');
      assert.equal(await store.getRun(ws.id + 1000, first.run.id), null, 'scoped to its workspace');
      assert.equal((await store.getRun(ws.id, first.run.id))?.status, 'CANCELED');
    });

    it('lists runs newest first with filters and pages', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'a');
      await applyWorkflow(store, ws.id, 'b');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const created = await store.createRun(runInput(ws.id, i % 2 ? 'b' : 'a', { now: T0 + i }));
        ids.push(created.kind === 'created' ? created.run.id : '');
      }
      await store.cancelQueuedRun(ws.id, ids[0]!, T0 + 10);
      const all = await store.listRuns(ws.id, { page: 1, limit: 10 });
      assert.deepEqual(all.items.map((r) => r.id), [...ids].reverse());
      assert.equal(all.total, 5);
      assert.deepEqual((await store.listRuns(ws.id, { workflowId: 'b', page: 1, limit: 10 })).items.map((r) => r.id), [ids[3], ids[1]]);
      assert.deepEqual((await store.listRuns(ws.id, { status: 'CANCELED', page: 1, limit: 10 })).items.map((r) => r.id), [ids[0]]);
      const page = await store.listRuns(ws.id, { page: 2, limit: 2 });
      assert.deepEqual([page.items.map((r) => r.id), page.total], [[ids[2], ids[1]], 5]);
    });

    it('cancels only QUEUED runs of the workspace', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      const created = await store.createRun(runInput(ws.id, 'flow'));
      assert.equal(created.kind, 'created');
      if (created.kind !== 'created') return;
      assert.deepEqual(await store.cancelQueuedRun(ws.id + 1000, created.run.id, T0), { kind: 'not_found' });
      assert.deepEqual(await store.cancelQueuedRun(ws.id, 'no-such-run', T0), { kind: 'not_found' });
      const canceled = await store.cancelQueuedRun(ws.id, created.run.id, T0 + 7);
      assert.equal(canceled.kind, 'canceled');
      assert.equal(canceled.kind === 'canceled' && canceled.run.completedAt, T0 + 7);
      assert.equal((await store.cancelQueuedRun(ws.id, created.run.id, T0 + 8)).kind, 'not_cancelable');
      assert.deepEqual(await store.claimRuns(claimInput('w', 10, T0 + 9)), [], 'a canceled run is never claimed');
    });

    it('claims oldest first, pins the version, keeps and loses leases, finishes once', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await applyWorkflow(store, ws.id, 'flow', { marker: 'v2' });
      const created = [];
      for (let i = 0; i < 3; i++) created.push(await store.createRun(runInput(ws.id, 'flow', { now: T0 + i })));
      const ids = created.map((c) => (c.kind === 'created' ? c.run.id : ''));
      const [a, b] = await store.claimRuns(claimInput('w1', 2, T0 + 100, 1000));
      assert.deepEqual([a?.id, b?.id], [ids[0], ids[1]]);
      assert.equal(a!.status, 'STARTING');
      assert.equal(a!.workflowVersion, 2, 'pinned to the default version at claim time');
      assert.equal(a!.leaseOwner, 'w1');
      assert.equal(a!.leaseExpiresAt, T0 + 1100);
      assert.equal(a!.startedAt, T0 + 100);
      assert.equal(a!.claimCount, 1);
      assert.ok(a!.executionId);
      assert.notEqual(a!.executionId, b!.executionId);
      assert.ok(a!.claimToken && b!.claimToken && a!.claimToken !== b!.claimToken, 'every claim gets its own token');
      assert.equal(await store.markRunRunning({ ...leaseOf(a!), workerId: 'w2' }, T0 + 101), false, 'not the lease owner');
      assert.equal(await store.markRunRunning({ ...leaseOf(a!), claimToken: b!.claimToken! }, T0 + 101), false, 'not this claim');
      assert.equal(await store.markRunRunning(leaseOf(a!), T0 + 101), true);
      assert.equal(await store.markRunRunning(leaseOf(a!), T0 + 150), true, 'a resumed run is already RUNNING');
      assert.equal((await store.getRun(ws.id, a!.id))?.updatedAt, T0 + 101);
      assert.equal(await store.renewLease(leaseOf(a!), T0 + 2000), true);
      assert.equal(await store.renewLease({ ...leaseOf(a!), workerId: 'w2' }, T0 + 2000), false);

      // The lease of b expires (its worker "died"); another worker takes it over.
      const takeover = await store.claimRuns(claimInput('w2', 5, T0 + 1500, 1000));
      assert.deepEqual(takeover.map((r) => r.id), [b!.id, ids[2]], 'expired leases first, then queued');
      assert.equal(takeover[0]!.claimCount, 2);
      assert.equal(takeover[0]!.executionId, b!.executionId, 'the execution continues');
      assert.equal(takeover[0]!.leaseOwner, 'w2');
      assert.notEqual(takeover[0]!.claimToken, b!.claimToken, 'a new claim, a new token');
      assert.equal(await store.renewLease(leaseOf(b!), T0 + 3000), false, 'the old owner lost it');
      assert.equal(await store.saveStepAttempt(leaseOf(b!), attempt(b!.id, 'COMPLETED')), false);
      assert.equal(await store.finishRun({ lease: leaseOf(b!), status: 'COMPLETED', output: 'late', error: null, now: T0 + 1600 }), false);
      assert.equal(await store.finishRun({ lease: leaseOf(takeover[0]!), status: 'FAILED', output: null, error: { code: 'WORKFLOW_FAILED', message: 'x' }, now: T0 + 1700 }), true);
      assert.equal(await store.finishRun({ lease: leaseOf(takeover[0]!), status: 'COMPLETED', output: 1, error: null, now: T0 + 1800 }), false, 'never finished twice');
      const failed = await store.getRun(ws.id, b!.id);
      assert.deepEqual([failed?.status, failed?.error, failed?.completedAt, failed?.leaseOwner], ['FAILED', { code: 'WORKFLOW_FAILED', message: 'x' }, T0 + 1700, null]);

      assert.equal(await store.finishRun({ lease: leaseOf(a!), status: 'COMPLETED', output: { z: [1], a: 'b' }, error: null, now: T0 + 1900 }), true);
      const done = await store.getRun(ws.id, a!.id);
      assert.deepEqual([done?.status, done?.output, done?.error, done?.updatedAt], ['COMPLETED', { z: [1], a: 'b' }, null, T0 + 1900]);
      assert.equal(await store.renewLease(leaseOf(a!), T0 + 5000), false, 'no lease on a finished run');
    });

    it('releases runs to be claimed again when due', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await store.createRun(runInput(ws.id, 'flow'));
      const [run] = await store.claimRuns(claimInput('w1', 1, T0));
      assert.equal(await store.releaseRun({ ...leaseOf(run!), workerId: 'w2' }, T0, T0), false, 'not the owner');
      assert.equal(await store.releaseRun(leaseOf(run!), T0 + 5000, T0 + 10), true);
      const released = await store.getRun(ws.id, run!.id);
      assert.deepEqual([released?.leaseOwner, released?.claimToken, released?.leaseExpiresAt, released?.status], [null, null, T0 + 5000, 'STARTING']);
      assert.equal(await store.releaseRun(leaseOf(run!), T0, T0 + 11), false, 'a released claim writes nothing more');
      assert.deepEqual(await store.claimRuns(claimInput('w2', 1, T0 + 4999)), [], 'not before it is due');
      const [again] = await store.claimRuns(claimInput('w2', 1, T0 + 5000));
      assert.equal(again?.id, run!.id);
      assert.equal(again?.leaseOwner, 'w2');
      assert.deepEqual(await store.claimRuns(claimInput('w3', 0, T0 + 5000)), [], 'limit 0 claims nothing');
    });

    it('fences every earlier claim: a run claimed again by the same worker refuses the old claim\'s writes', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await store.createRun(runInput(ws.id, 'flow'));
      const [first] = await store.claimRuns(claimInput('w1', 1, T0, 1000));
      assert.equal(await store.markRunRunning(leaseOf(first!), T0 + 1), true);
      // The worker stalls past its lease; its own claim loop claims the run again.
      const [second] = await store.claimRuns(claimInput('w1', 1, T0 + 1000, 1000));
      assert.equal(second?.id, first!.id);
      assert.equal(second?.leaseOwner, 'w1', 'the same worker');
      assert.notEqual(second?.claimToken, first!.claimToken);
      const stale = leaseOf(first!);
      assert.equal(await store.renewLease(stale, T0 + 5000), false);
      assert.equal(await store.markRunRunning(stale, T0 + 1001), false);
      assert.equal(await store.saveStepAttempt(stale, attempt(first!.id, 'COMPLETED')), false);
      assert.equal(await store.releaseRun(stale, T0 + 1001, T0 + 1001), false);
      assert.equal(await store.finishRun({ lease: stale, status: 'COMPLETED', output: 'stale', error: null, now: T0 + 1001 }), false);
      assert.deepEqual(await store.listStepAttempts(first!.id), []);
      assert.equal(await store.finishRun({ lease: leaseOf(second!), status: 'COMPLETED', output: 'fresh', error: null, now: T0 + 1002 }), true);
      assert.equal((await store.getRun(ws.id, first!.id))?.output, 'fresh');
    });

    it('never claims a run the claiming process says it is executing', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await store.createRun(runInput(ws.id, 'flow'));
      await store.createRun(runInput(ws.id, 'flow', { now: T0 + 1 }));
      const [executing] = await store.claimRuns(claimInput('w1', 1, T0, 1000));
      const [other] = await store.claimRuns(claimInput('w2', 1, T0, 1000));
      // Both leases expired; w1 still executes its run, so it may take over only the other one.
      const claimed = await store.claimRuns({ ...claimInput('w1', 5, T0 + 2000, 1000), excludeRunIds: [executing!.id] });
      assert.deepEqual(claimed.map((r) => r.id), [other!.id]);
      assert.equal((await store.getRun(ws.id, executing!.id))?.claimToken, executing!.claimToken, 'the executing claim still holds');
    });

    it('wakes a waiting run now, or at the release of the worker holding it', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await store.createRun(runInput(ws.id, 'flow'));
      const queued = await store.createRun(runInput(ws.id, 'flow', { now: T0 + 1 }));
      const [run] = await store.claimRuns(claimInput('w1', 1, T0));
      assert.equal(await store.wakeRun(queued.kind === 'created' ? queued.run.id : '', T0), false, 'a QUEUED run is not waiting');
      // Held by its worker: the wake is remembered and the release makes it due at once.
      assert.equal(await store.wakeRun(run!.id, T0 + 10), true);
      assert.equal(await store.releaseRun(leaseOf(run!), T0 + 60_000, T0 + 20), true);
      assert.equal((await store.getRun(ws.id, run!.id))?.leaseExpiresAt, T0 + 20);
      const [again] = await store.claimRuns(claimInput('w2', 1, T0 + 20));
      assert.equal(again?.id, run!.id);
      // A later release without a wake keeps its planned time.
      assert.equal(await store.releaseRun(leaseOf(again!), T0 + 60_000, T0 + 30), true);
      assert.equal((await store.getRun(ws.id, run!.id))?.leaseExpiresAt, T0 + 60_000);
      // Free and waiting: due now.
      assert.equal(await store.wakeRun(run!.id, T0 + 40), true);
      assert.equal((await store.getRun(ws.id, run!.id))?.leaseExpiresAt, T0 + 40);
      const [third] = await store.claimRuns(claimInput('w3', 1, T0 + 40));
      assert.equal(third?.id, run!.id);
      await store.finishRun({ lease: leaseOf(third!), status: 'COMPLETED', output: null, error: null, now: T0 + 50 });
      assert.equal(await store.wakeRun(run!.id, T0 + 60), false, 'a finished run is not waiting');
    });

    it('saves step attempts under the lease and lists them in order', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      await store.createRun(runInput(ws.id, 'flow'));
      const [run] = await store.claimRuns(claimInput('w1', 1, T0));
      const first = attempt(run!.id, 'RUNNING', { stepId: 'a', startedAt: T0 + 1 });
      assert.equal(await store.saveStepAttempt(leaseOf(run!), first), true);
      assert.equal(await store.saveStepAttempt(leaseOf(run!), { ...first, status: 'COMPLETED', output: { z: 1, a: 2 }, finishedAt: T0 + 2 }), true, 'updates in place');
      assert.equal(await store.saveStepAttempt(leaseOf(run!), attempt(run!.id, 'WAITING', { stepId: 'b', startedAt: T0 + 3, wakeAt: T0 + 9 })), true);
      assert.equal(await store.saveStepAttempt(leaseOf(run!), attempt(run!.id, 'FAILED', { stepId: 'b', attempt: 2, startedAt: T0 + 3, error: { code: 'E', message: 'm' } })), true);
      assert.equal(await store.saveStepAttempt({ ...leaseOf(run!), workerId: 'other' }, attempt(run!.id, 'RUNNING', { stepId: 'c' })), false);
      const listed = await store.listStepAttempts(run!.id);
      assert.deepEqual(listed.map((s) => [s.stepId, s.attempt, s.status]), [['a', 1, 'COMPLETED'], ['b', 1, 'WAITING'], ['b', 2, 'FAILED']]);
      assert.deepEqual(listed[0], { ...first, status: 'COMPLETED', output: { z: 1, a: 2 }, finishedAt: T0 + 2 });
      assert.deepEqual(Object.keys(listed[0]!.output as object), ['z', 'a']);
      assert.equal(listed[1]!.wakeAt, T0 + 9);
      assert.deepEqual(listed[2]!.error, { code: 'E', message: 'm' });
      await store.finishRun({ lease: leaseOf(run!), status: 'COMPLETED', output: null, error: null, now: T0 + 20 });
      assert.equal(await store.saveStepAttempt(leaseOf(run!), attempt(run!.id, 'RUNNING', { stepId: 'd' })), false, 'no writes after the run finished');
    });

    it('tells listeners of the same store when runs are queued or released', async () => {
      const ws = await newWorkspace(store);
      await applyWorkflow(store, ws.id, 'flow');
      let calls = 0;
      const unsubscribe = store.onRunsQueued(() => calls++);
      await store.createRun(runInput(ws.id, 'flow'));
      await waitFor(() => calls >= 1);
      const [run] = await store.claimRuns(claimInput('w1', 1, T0));
      const before = calls;
      await store.releaseRun(leaseOf(run!), T0, T0);
      await waitFor(() => calls > before);
      unsubscribe();
    });

    if (backend === 'postgres') {
      // Intended difference: only PostgreSQL reaches other processes (LISTEN/NOTIFY);
      // SQLite's notification is in-process and other processes rely on polling.
      it('wakes listeners in other processes through LISTEN/NOTIFY', async () => {
        const ws = await newWorkspace(store);
        await applyWorkflow(store, ws.id, 'flow');
        let woken = 0;
        const unsubscribe = pair.other.onRunsQueued(() => woken++);
        // The listener connects asynchronously; keep queueing until one notification arrives.
        await waitFor(async () => {
          await store.createRun(runInput(ws.id, 'flow'));
          return woken > 0;
        });
        unsubscribe();
      });
    }
  });
}

function attempt(runId: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    runId, stepId: 's', attempt: 1, stepType: 'transform', status: status as 'RUNNING', input: { x: 1 }, output: null,
    error: null, startedAt: T0, finishedAt: null, wakeAt: null, ...extra,
  } as Parameters<Store['saveStepAttempt']>[1];
}

