import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Run, StepAttempt, Store } from '../src/store/store.js';
import { leaseOf, type FinishRunInput } from '../src/store/lease-store.js';
import { newUuid } from '../src/core/ids.js';
import { createFinishGroup } from '../src/store/postgres/postgres-finish-group.js';
import type { Row } from '../src/store/rows.js';
import pg from 'pg';
import { parseDatabaseUrl } from '../src/config/config.js';
import { openStore } from '../src/server.js';
import { T0, applyWorkflow, claimInput, newWorkspace, runInput, type StorePair } from './support/store-fixtures.js';
import { freshDatabase, testBackends } from './support/test-server.js';

/** Two stores (two pools, as two processes) on the database at `url`. */
async function openStorePairAt(url: string): Promise<StorePair> {
  const store = await openStore(parseDatabaseUrl(url));
  const other = await openStore(parseDatabaseUrl(url));
  return { store, other, close: async () => { await store.close(); await other.close(); } };
}

function attempt(runId: string, stepId: string, status: StepAttempt['status'], extra: Partial<StepAttempt> = {}): StepAttempt {
  return {
    runId, stepId, attempt: 1, stepType: 'transform', status, input: { x: 1 }, output: status === 'COMPLETED' ? { y: stepId } : null,
    error: null, startedAt: T0 + 1, finishedAt: status === 'RUNNING' ? null : T0 + 2, wakeAt: null, ...extra,
  };
}

const finishOf = (runId: string, token = 't'): FinishRunInput => ({
  lease: { runId, workerId: 'w', claimToken: token }, status: 'COMPLETED', output: runId, error: null, now: T0,
});

/**
 * The group commit of COMPLETED finishes on PostgreSQL (issue 10): finishes arriving while one
 * is on its way share one statement, each still under its own claim; a failing group is
 * written again one by one, so one bad finish fails only itself.
 */
describe('PostgreSQL group commit of finishes', () => {
  it('sends the first finish alone and the ones that arrive meanwhile as one statement', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const firstDone = new Promise<void>((resolve) => (release = resolve));
    const group = createFinishGroup(async (_sql, params, options) => {
      const runs = options?.prepared === 'slipway_finish_group' ? (params![0] as string[]) : [params![0] as string];
      calls.push(`${options?.prepared}:${runs.join(',')}`);
      if (calls.length === 1) await firstDone;
      return runs.filter((id) => id !== 'lost').map((id): Row => ({ id }));
    });
    const results = Promise.all(['a', 'b', 'lost', 'c'].map((id) => group.finish(finishOf(id))));
    release();
    assert.deepEqual((await results).map((row) => row?.id ?? null), ['a', 'b', null, 'c']);
    assert.deepEqual(calls, ['slipway_finish_completed:a', 'slipway_finish_group:b,lost,c']);
  });

  it('redoes a failed group one by one, so only the failing finish fails; a run twice waits for the next group', async () => {
    const calls: string[] = [];
    const group = createFinishGroup(async (_sql, params, options) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (options?.prepared === 'slipway_finish_group') {
        calls.push(`group:${(params![0] as string[]).join(',')}`);
        throw new Error('integer out of range');
      }
      calls.push(`one:${params![0]}`);
      if (params![0] === 'bad') throw new Error('integer out of range');
      return [{ id: params![0] }];
    });
    const settled = await Promise.allSettled(['first', 'a', 'bad', 'a', 'c'].map((id) => group.finish(finishOf(id))));
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.deepEqual(calls, ['one:first', 'group:a,bad,c', 'one:a', 'one:bad', 'one:c', 'one:a']);
  });

  for (const backend of testBackends().filter((b) => b === 'postgres')) {
    describe(`on ${backend}`, () => {
      let pair: StorePair;
      let store: Store;
      let url = '';
      beforeEach(async () => {
        url = (await freshDatabase(backend)).databaseUrl;
        pair = await openStorePairAt(url);
        store = pair.store;
      });
      afterEach(() => pair.close());

      async function claimMany(n: number): Promise<Run[]> {
        const ws = await newWorkspace(store);
        await applyWorkflow(store, ws.id, 'flow');
        for (let i = 0; i < n; i++) assert.equal((await store.createRun(runInput(ws.id, 'flow'))).kind, 'created');
        const runs = await store.claimRuns(claimInput('w1', n, T0, 1000));
        assert.equal(runs.length, n);
        return runs;
      }
      const finishing = (run: Run, extra: Partial<FinishRunInput> = {}): FinishRunInput => ({
        lease: leaseOf(run), status: 'COMPLETED', output: { of: run.id }, error: null, now: T0 + 3,
        progress: { startRunAt: T0 + 1, attempts: [attempt(run.id, 's', 'RUNNING'), attempt(run.id, 's', 'COMPLETED')] }, ...extra,
      });
      const eventsOf = async (runId: string) =>
        (await store.listRunEvents(runId, 0, 100)).map((e) => {
          const data = JSON.parse(e.data) as { status?: string; step_id?: string };
          return `${e.seq}:${e.type === 'run.status' ? `run:${data.status}` : `${e.type}:${data.step_id}`}`;
        });

      it('finishes many runs at once, each with its checkpoints, events, waitpoints and webhook deliveries; a lost claim writes nothing', async () => {
        const runs = await claimMany(12);
        await store.createWebhook({ id: newUuid(), workspaceId: runs[0]!.workspaceId, url: 'http://127.0.0.1:9/hook', events: ['run.completed'], workflowId: null, description: '', secret: 'whsec_test', createdAt: T0 });
        const waitpointId = newUuid();
        await store.openWaitpoint({
          id: waitpointId, openKey: `${runs[3]!.id}:w:1`, workspaceId: runs[3]!.workspaceId, runId: runs[3]!.id, workflowId: 'flow', stepId: 'w',
          kind: 'approval', prompt: 'ok?', fields: null, event: null, match: null, matchScope: null, expiresAt: null, now: T0 + 1,
        }, () => '{}');
        // One run was taken over by another worker (its lease expired): its old claim's finish must write nothing.
        const [takeover] = await pair.other.claimRuns(claimInput('w2', 1, T0 + 2000, 1000));
        const lost = runs.find((run) => run.id === takeover?.id)!;
        const stale = leaseOf(lost);
        const results = await Promise.all(runs.map((run) => store.finishRun(run === lost ? { ...finishing(run), lease: stale } : finishing(run))));
        assert.deepEqual(results, runs.map((run) => run !== lost));
        for (const run of runs.filter((r) => r !== lost)) {
          const done = (await store.getRun(run.workspaceId, run.id))!;
          assert.deepEqual([done.status, done.output], ['COMPLETED', { of: run.id }]);
          const events = await eventsOf(run.id);
          assert.deepEqual(events.map((e) => Number(e.split(':')[0])), events.map((_, i) => i + 1), 'seqs contiguous from 1');
          assert.deepEqual(events.map((e) => e.replace(/^\d+:/, '')).filter((e) => !e.startsWith('waitpoint.')),
            ['run:QUEUED', 'run:STARTING', 'run:RUNNING', 'step.started:s', 'step.completed:s', 'run:COMPLETED']);
          assert.deepEqual((await store.listStepAttempts(run.id)).map((a) => [a.stepId, a.status]), [['s', 'COMPLETED']]);
        }
        assert.equal((await store.getWaitpoint(runs[3]!.workspaceId, waitpointId))?.status, runs[3] === lost ? 'OPEN' : 'CANCELED');
        const after = (await store.getRun(lost.workspaceId, lost.id))!;
        assert.deepEqual([after.status, after.output, after.leaseOwner], ['STARTING', null, 'w2']);
        assert.deepEqual(await store.listStepAttempts(lost.id), []);
        assert.deepEqual(await eventsOf(lost.id), ['1:run:QUEUED', '2:run:STARTING']);
        const hooks = await store.listWebhooks(runs[0]!.workspaceId);
        const deliveries = await store.listDeliveries(runs[0]!.workspaceId, hooks[0]!.id, { page: 1, limit: 100 });
        assert.equal(deliveries.total, 11, 'one delivery per completed run, none for the lost one');
        // The current claim still finishes it, once.
        assert.equal(await pair.other.finishRun(finishing(takeover!)), true);
        assert.equal(await store.finishRun(finishing(lost, { lease: stale })), false);
      });

      it('writes a group in its one statement (no fallback), as the store would', async () => {
        const runs = await claimMany(6);
        const pool = new pg.Pool({ connectionString: url, max: 2 });
        const statements: string[] = [];
        try {
          const group = createFinishGroup(async (sql, params, options) => {
            statements.push(options?.prepared ?? 'unprepared');
            return (await pool.query(sql, params)).rows as Row[];
          });
          const rows = await Promise.all(runs.map((run) => group.finish(finishing(run))));
          assert.deepEqual(rows.map((row) => row?.id), runs.map((run) => run.id));
          assert.deepEqual(statements, ['slipway_finish_completed', 'slipway_finish_group'], 'one alone, then the five others in one statement, which did not fail');
        } finally {
          await pool.end();
        }
        for (const run of runs) {
          assert.equal((await store.getRun(run.workspaceId, run.id))!.status, 'COMPLETED');
          const events = await eventsOf(run.id);
          assert.deepEqual(events.map((e) => e.replace(/^\d+:/, '')), ['run:QUEUED', 'run:STARTING', 'run:RUNNING', 'step.started:s', 'step.completed:s', 'run:COMPLETED']);
          assert.deepEqual(events.map((e) => Number(e.split(':')[0])), [1, 2, 3, 4, 5, 6]);
        }
      });

      it('two groups (two processes) finishing runs of the same keys in opposite orders do not deadlock', async () => {
        const ws = await newWorkspace(store);
        await applyWorkflow(store, ws.id, 'flow');
        const keyed = (key: string) => runInput(ws.id, 'flow', { flow: { priority: 0, notBefore: null, ttlMs: null, concurrency: { key, limit: 10 } } });
        // Created in this order, so ids in this order: a1 < b1 < b2 < a2, then two plain runs.
        for (const input of [keyed('A'), keyed('B'), keyed('B'), keyed('A'), runInput(ws.id, 'flow'), runInput(ws.id, 'flow')]) {
          assert.equal((await store.createRun(input)).kind, 'created');
        }
        const runs = (await store.claimRuns(claimInput('w1', 6, T0, 60_000))).sort((x, y) => (x.id < y.id ? -1 : 1));
        const [a1, b1, b2, a2, d0, d1] = runs as [Run, Run, Run, Run, Run, Run];
        assert.deepEqual(runs.map((run) => run.concurrencyKey), ['A', 'B', 'B', 'A', null, null]);
        const pools = [new pg.Pool({ connectionString: url, max: 2 }), new pg.Pool({ connectionString: url, max: 2 })];
        const holder = new pg.Client({ connectionString: url });
        await holder.connect();
        const watcher = new pg.Client({ connectionString: url });
        await watcher.connect();
        const failures: unknown[] = [];
        const groups = pools.map((pool) => createFinishGroup(async (sql, params) => (await pool.query(sql, params)).rows as Row[], (error) => failures.push(error)));
        const lockWaiters = async (n: number) => {
          for (let i = 0; i < 500; i++) {
            const { rows } = await watcher.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
            if ((rows[0] as { n: number }).n >= n) return;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          assert.fail(`fewer than ${n} statements waiting for a lock`);
        };
        try {
          // Another transaction holds key A. Group 0 (a1, b1) waits for A; group 1 (b2, a2) then
          // comes: written in the order of its runs it would take B and wait for A, and once A is
          // free group 0 would wait for B — a deadlock. Locking the keys in key order first, it waits for A holding nothing.
          await holder.query('BEGIN');
          await holder.query(`SELECT 1 FROM concurrency_keys WHERE workspace_id = $1 AND key = 'A' FOR UPDATE`, [ws.id]);
          const first = [d0, a1, b1].map((run) => groups[0]!.finish(finishing(run)));
          await lockWaiters(1);
          const second = [d1, b2, a2].map((run) => groups[1]!.finish(finishing(run)));
          await lockWaiters(2);
          await holder.query('COMMIT');
          const results = await Promise.all([...first, ...second]);
          assert.ok(results.every((row) => row !== undefined));
        } finally {
          await holder.end();
          await watcher.end();
          await Promise.all(pools.map((pool) => pool.end()));
        }
        assert.deepEqual(failures, [], 'no group failed (a deadlock makes PostgreSQL end one after deadlock_timeout)');
        assert.deepEqual(await store.listConcurrencyKeys(ws.id), [], 'both keys idle and gone: every finish counted');
      });

      it('isolates a finish whose write fails inside a group: the others complete, it alone is rejected and wrote nothing', async () => {
        const runs = await claimMany(8);
        // Attempt number 2^40 does not fit the integer column: the group statement fails as a whole.
        const bad = runs[4]!;
        const settled = await Promise.allSettled(runs.map((run) => store.finishRun(run === bad
          ? finishing(run, { progress: { startRunAt: T0 + 1, attempts: [attempt(run.id, 's', 'COMPLETED', { attempt: 2 ** 40 })] } })
          : finishing(run))));
        assert.deepEqual(settled.map((s) => s.status), runs.map((run) => (run === bad ? 'rejected' : 'fulfilled')));
        for (const run of runs) {
          assert.equal((await store.getRun(run.workspaceId, run.id))!.status, run === bad ? 'STARTING' : 'COMPLETED');
        }
        assert.deepEqual(await store.listStepAttempts(bad.id), []);
        // Its claim still holds: a correct finish afterwards goes through.
        assert.equal(await store.finishRun(finishing(bad)), true);
      });

      it('completes every run exactly once when two stores claim and finish the same queue at once', async () => {
        const ws = await newWorkspace(store);
        await applyWorkflow(store, ws.id, 'flow');
        const total = 120;
        for (let i = 0; i < total; i++) assert.equal((await store.createRun(runInput(ws.id, 'flow'))).kind, 'created');
        const finished: string[] = [];
        const loop = async (s: Store, worker: string) => {
          for (;;) {
            const claimed = await s.claimRuns(claimInput(worker, 5, T0, 60_000));
            if (claimed.length === 0) return;
            const done = await Promise.all(claimed.map((run) => s.finishRun(finishing(run))));
            claimed.forEach((run, i) => done[i] && finished.push(run.id));
          }
        };
        await Promise.all([loop(store, 'a1'), loop(store, 'a2'), loop(pair.other, 'b1'), loop(pair.other, 'b2')]);
        assert.equal(finished.length, total);
        assert.equal(new Set(finished).size, total, 'no run finished twice');
        const page = await store.listRuns(ws.id, { page: 1, limit: 200 });
        assert.ok(page.items.every((run) => run.status === 'COMPLETED'));
        for (const id of finished.slice(0, 20)) {
          assert.equal((await eventsOf(id)).filter((e) => e.endsWith('run:COMPLETED')).length, 1);
        }
      });
    });
  }
});
