import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createRunExecutor } from '../src/engine/run-executor.js';
import { createWorkerPool, workerPoolDepsOf } from '../src/engine/worker-pool.js';
import { createStepRegistry } from '../src/steps/builtin-steps.js';
import { defineStepType, type ChildRuns, type StepType } from '../src/steps/step-type.js';
import { createFakeClock, type FakeClock } from './support/fake-clock.js';
import { createFakeEngineStore, type FakeEngineStore } from './support/fake-engine-store.js';

/**
 * The engine alone — worker pool, lease handle and keeper, executor, graph and step
 * runners — on an in-memory store and a fake clock: hours of engine time in milliseconds.
 */
const T0 = Date.UTC(2026, 0, 27, 10, 0, 0);
const LEASE_MS = 30_000;
const GRACE_MS = 10_000;

/** What the step types did, in order: `start:a`, `end:a`, `abort:a`. */
let events: string[] = [];
/** Gates the `gate` step waits on, opened by the test. */
let gates = new Map<string, { open: () => void; opened: Promise<void> }>();
function gate(stepId: string) {
  let entry = gates.get(stepId);
  if (!entry) {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    entry = { open, opened };
    gates.set(stepId, entry);
  }
  return entry;
}

const gateStep = defineStepType({
  type: 'gate',
  description: 'Runs until the test opens its gate, or its signal aborts.',
  input: Type.Object({}, { additionalProperties: false }),
  idempotent: true,
  run: (_input, ctx) => {
    events.push(`start:${ctx.stepId}`);
    return new Promise((resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        events.push(`abort:${ctx.stepId}`);
        reject(new Error('aborted'));
      });
      void gate(ctx.stepId).opened.then(() => {
        events.push(`end:${ctx.stepId}`);
        resolve({ kind: 'completed', output: ctx.stepId });
      });
    });
  },
});
const flakyStep = defineStepType({
  type: 'flaky',
  description: 'Fails until attempt with.succeedOn.',
  input: Type.Object({ succeedOn: Type.Integer() }, { additionalProperties: false }),
  idempotent: true,
  async run(input, ctx) {
    events.push(`attempt:${ctx.attempt}@${ctx.now() - T0}`);
    return ctx.attempt >= input.succeedOn ? { kind: 'completed', output: ctx.attempt } : { kind: 'failed', message: `attempt ${ctx.attempt} failed` };
  },
});
const noChildRuns: ChildRuns = {
  start: async () => ({ kind: 'refused', message: 'no child runs here' }),
  get: async () => null,
};

let fake: FakeClock;
let store: FakeEngineStore;
let pool: ReturnType<typeof createWorkerPool>;

beforeEach(() => {
  events = [];
  gates = new Map();
  fake = createFakeClock(T0);
  store = createFakeEngineStore();
  const executor = createRunExecutor({ store, clock: fake.clock, stepTypes: createStepRegistry([gateStep, flakyStep] as StepType[]), childRuns: noChildRuns, random: () => 1 });
  pool = createWorkerPool(workerPoolDepsOf(store, fake.clock, executor), {
    concurrency: 2, leaseMs: LEASE_MS, pollIntervalMs: 60_000, shutdownGraceMs: GRACE_MS, workerId: 'w1',
  });
});

/** Publishes `steps` as workflow `flow`, queues run `r1` and starts the pool. */
function start(steps: unknown[]) {
  store.publish('flow', { id: 'flow', steps });
  store.queue('r1', 'flow', T0);
  pool.start();
}
const status = (id = 'r1') => store.run(id).status;
const attempts = (id = 'r1') => store.attempts(id).map((a) => `${a.stepId}#${a.attempt} ${a.status}`);

/** Calls `pool.stop()` and returns a flag that turns true when it resolved. */
function stopPool() {
  const done = { value: false };
  void pool.stop().then(() => (done.value = true));
  return done;
}

describe('engine on a fake store and a fake clock', () => {
  it('schedules the graph: a step starts when its needs are done, independent ones together', async () => {
    start([
      { id: 'a', type: 'gate' },
      { id: 'b', type: 'gate', needs: ['a'] },
      { id: 'c', type: 'gate', needs: ['a'] },
      { id: 'd', type: 'gate', needs: ['b', 'c'] },
    ]);
    await fake.runUntil(() => events.includes('start:a'));
    assert.deepEqual(events, ['start:a']);
    gate('a').open();
    await fake.runUntil(() => events.includes('start:b') && events.includes('start:c'));
    gate('b').open();
    await fake.settle();
    assert.ok(!events.includes('start:d'), 'd waits for c too');
    gate('c').open();
    await fake.runUntil(() => events.includes('start:d'));
    gate('d').open();
    await fake.runUntil(() => status() === 'COMPLETED');
    assert.equal(store.run('r1').output, 'd');
    assert.deepEqual(attempts(), ['a#1 COMPLETED', 'b#1 COMPLETED', 'c#1 COMPLETED', 'd#1 COMPLETED']);
    assert.deepEqual(store.refused, []);
  });

  it('retries a failing step after its backoff, releasing the run while it waits', async () => {
    start([{ id: 'f', type: 'flaky', with: { succeedOn: 3 }, retry: { maxAttempts: 3, delay: '1s', backoff: 'exponential' } }]);
    await fake.runUntil(() => store.attempts('r1').length === 1 && store.run('r1').leaseOwner === null);
    assert.equal(store.run('r1').leaseExpiresAt, T0 + 1000, 'released until the retry is due');
    assert.equal(pool.activeRuns, 0, 'no slot is held while it waits');
    await fake.runUntil(() => status() === 'COMPLETED');
    assert.deepEqual(events.map((e) => e.split('@')[0]), ['attempt:1', 'attempt:2', 'attempt:3']);
    const [first, second] = store.attempts('r1');
    assert.equal(first!.wakeAt, T0 + 1000);
    assert.equal(second!.wakeAt! - second!.finishedAt!, 2000, 'exponential: the second wait is twice the first');
    assert.ok(store.run('r1').completedAt! >= T0 + 3000);
    assert.deepEqual(attempts(), ['f#1 FAILED', 'f#2 FAILED', 'f#3 COMPLETED']);
  });

  it('waits durably: a one-hour delay releases the run and resumes it when due', async () => {
    start([
      { id: 'wait', type: 'delay', with: { duration: '1h' } },
      { id: 'after', type: 'transform', with: { value: 42 } },
    ]);
    await fake.runUntil(() => store.run('r1').leaseOwner === null && store.attempts('r1').length === 1);
    assert.equal(store.run('r1').leaseExpiresAt, T0 + 3600_000);
    assert.equal(store.run('r1').status, 'RUNNING', 'a waiting run stays RUNNING publicly');
    await fake.runUntil(() => status() === 'COMPLETED');
    assert.ok(store.run('r1').completedAt! >= T0 + 3600_000);
    assert.equal(store.run('r1').output, 42);
    assert.deepEqual(attempts(), ['wait#1 COMPLETED', 'after#1 COMPLETED']);
    assert.equal(store.run('r1').claimCount, 2);
  });

  it('stops at a lost lease: the running step is aborted and nothing more is written', async () => {
    start([{ id: 'a', type: 'gate' }, { id: 'b', type: 'gate' }]);
    await fake.runUntil(() => events.includes('start:a'));
    // Another worker holds the run now (its lease outlasts the test, so w1 cannot take it back).
    store.takeOver('r1', 'w2', fake.now(), 24 * 3600_000);
    await fake.runUntil(() => events.includes('abort:a') && pool.activeRuns === 0);
    gate('a').open();
    await fake.advance(LEASE_MS);
    assert.deepEqual(store.refused, ['renew r1'], 'the heartbeat was refused; no write was even tried after it');
    assert.deepEqual(attempts(), ['a#1 RUNNING'], 'the new holder redoes the attempt');
    assert.equal(store.run('r1').leaseOwner, 'w2');
    assert.ok(!events.includes('start:b'));
  });

  it('shutdown: stops claiming at once, lets the running step finish, releases the run at the step boundary', async () => {
    start([{ id: 'a', type: 'gate' }, { id: 'b', type: 'gate' }]);
    await fake.runUntil(() => events.includes('start:a'));
    const stopped = stopPool();
    store.queue('r2', 'flow', fake.now());
    gate('a').open();
    await fake.runUntil(() => stopped.value);
    assert.ok(fake.now() < T0 + GRACE_MS, 'drained before the grace period ended');
    assert.deepEqual(events, ['start:a', 'end:a'], 'b was not started');
    assert.deepEqual(attempts(), ['a#1 COMPLETED']);
    assert.equal(store.run('r1').leaseOwner, null);
    assert.ok(store.run('r1').leaseExpiresAt! <= fake.now(), 'released to be resumed at once');
    assert.equal(status('r2'), 'QUEUED', 'nothing claimed after the stop');
  });

  it('shutdown: after the grace period interrupts what is left and releases it, the attempt stays RUNNING', async () => {
    start([{ id: 'a', type: 'gate' }]);
    await fake.runUntil(() => events.includes('start:a'));
    const stopAt = fake.now();
    const stopped = stopPool();
    await fake.runUntil(() => stopped.value);
    assert.ok(fake.now() >= stopAt + GRACE_MS);
    assert.deepEqual(events, ['start:a', 'abort:a']);
    assert.deepEqual(attempts(), ['a#1 RUNNING'], 'redone, marked INTERRUPTED, by the worker that resumes it');
    assert.equal(store.run('r1').leaseOwner, null);
    assert.equal(store.run('r1').claimToken, null);
    assert.ok(store.run('r1').leaseExpiresAt! <= fake.now());
    assert.deepEqual(store.refused, []);
  });
});
