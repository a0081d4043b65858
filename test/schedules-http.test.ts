import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../src/core/clock.js';
import { createScheduleFirer, type ScheduleFirer } from '../src/engine/schedule-firer.js';
import { assertError } from './support/assert-error.js';
import { HELLO_WORKFLOW, startTestServer, testBackends, type TestServer } from './support/test-server.js';
import { clockWithNow } from '../src/core/clock.js';

/** A clock the test moves by hand (STYLE principle 11). */
function fakeClock(iso: string) {
  const clock = { ...systemClock, at: Date.parse(iso), now: () => clock.at, set: (to: string) => void (clock.at = Date.parse(to)) };
  return clock;
}

const SCHEDULED_WORKFLOW = (schedules: string) => `
id: reports
name: Reports
inputs:
  - { variableName: topic, type: select, options: [sales, support], required: true }
steps:
  - id: report
    type: transform
    with: { value: "{{ inputs.topic }}" }
schedules:
${schedules}`;

/**
 * Schedules over HTTP on every backend, with a fixed clock and a firer the test ticks by
 * hand (the server runs no workers: runs stay QUEUED, so overlap is observable).
 */
for (const backend of testBackends()) {
  describe(`schedules over HTTP [${backend}]`, () => {
    const clock = fakeClock('2026-03-27T10:00:30.000Z');
    let t: TestServer;
    let firer: ScheduleFirer;
    before(async () => {
      t = await startTestServer({ backend, concurrency: 0, clock });
      await t.publish(HELLO_WORKFLOW);
      firer = createScheduleFirer({ store: t.server.store, clock: clockWithNow(() => clock.now()), fire: t.services.schedules.fire }, { pollIntervalMs: 60_000, leaseMs: 30_000 });
    });
    after(() => t.close());

    const create = (body: Record<string, unknown>, token?: string) => t.api('POST', '/schedules', { body: { workflow_id: 'hello', inputs: { name: 'Ada' }, ...body }, token });
    const fires = async (id: string) => (await t.api('GET', `/schedules/${id}/fires?limit=100`)).body;

    it('does not fire in a process without workers (serve --concurrency 0)', () => {
      assert.equal(t.server.firer, null);
    });

    it('refuses a bad cron, time zone, inputs or option with details; unknown workflow is 404', async () => {
      const badCron = await create({ cron: '61 * * * *' });
      assertError(badCron, 400, 'invalid_request');
      assert.equal(badCron.body.details[0].path, 'body.cron');
      assert.match(badCron.body.details[0].message, /minute/);
      const fourFields = await create({ cron: '* * * *' });
      assert.equal(fourFields.body.details[0].path, 'body.cron');
      const badZone = await create({ cron: '0 6 * * *', timezone: 'Europe/Atlantis' });
      assertError(badZone, 400, 'invalid_request');
      assert.deepEqual(badZone.body.details.map((d: { path: string }) => d.path), ['body.timezone']);
      const badInputs = await create({ cron: '0 6 * * *', inputs: { nme: 'typo' } });
      assertError(badInputs, 400, 'invalid_inputs');
      assert.deepEqual(badInputs.body.details.map((d: { path: string }) => d.path).sort(), ['inputs.name', 'inputs.nme']);
      const badOverlap = await create({ cron: '0 6 * * *', overlap: 'sometimes' });
      assertError(badOverlap, 400, 'invalid_request');
      assert.ok(badOverlap.body.details.some((d: { path: string }) => d.path.includes('overlap')), JSON.stringify(badOverlap.body));
      assertError(await create({ cron: '0 6 * * *', workflow_id: 'nope' }), 404, 'not_found');
      assertError(await t.api('GET', '/schedules/does-not-exist'), 404, 'not_found');
      const created = await create({ cron: '0 6 * * *' });
      assertError(await t.api('PATCH', `/schedules/${created.body.schedule_id}`, { body: { timezone: 'Nowhere/Land' } }), 400, 'invalid_request');
    });

    it('shows the next 5 fire times across a DST change (fixed clock)', async () => {
      const created = await create({ cron: '30 2 * * *', timezone: 'Europe/Berlin' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const got = await t.api('GET', `/schedules/${created.body.schedule_id}`);
      assert.deepEqual(got.body.upcoming, [
        '2026-03-28T01:30:00.000Z', // 02:30 CET; on 2026-03-29 02:30 does not exist in Berlin: skipped
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
        '2026-03-31T00:30:00.000Z',
        '2026-04-01T00:30:00.000Z',
        '2026-04-02T00:30:00.000Z',
      ]);
      assert.equal(got.body.next_fire_at, '2026-03-28T01:30:00.000Z');
      const preview = await t.api('GET', `/schedules/preview?cron=${encodeURIComponent('0 3 * * *')}&timezone=America/New_York&count=2`);
      assert.deepEqual(preview.body.upcoming, ['2026-03-28T07:00:00.000Z', '2026-03-29T07:00:00.000Z']);
      assertError(await t.api('GET', '/schedules/preview?cron=bad'), 400, 'invalid_request');
      await t.api('DELETE', `/schedules/${created.body.schedule_id}`);
    });

    it('fires on time with a schedule trigger, stops while paused, restarts on resume; overlap skip is recorded', async () => {
      clock.set('2026-03-27T10:00:30.000Z');
      const created = (await create({ cron: '0 * * * *', metadata: { source: 'nightly' } })).body;
      assert.equal(created.next_fire_at, '2026-03-27T11:00:00.000Z');
      clock.set('2026-03-27T11:00:00.300Z');
      await firer.tick();
      const [first] = (await fires(created.schedule_id)).data;
      assert.equal(first.outcome, 'created');
      assert.equal(first.fire_at, '2026-03-27T11:00:00.000Z');
      const run = await t.api('GET', `/workflow-runs/${first.run_id}?include=details`);
      assert.deepEqual(run.body.trigger, { type: 'schedule', schedule_id: created.schedule_id, fire_at: '2026-03-27T11:00:00.000Z' });
      assert.deepEqual(run.body.metadata, { source: 'nightly' });
      assert.equal((await t.api('GET', `/workflow-runs/${first.run_id}`)).body.trigger, undefined, 'the Slate answer stays as it was');
      assert.equal((await t.api('GET', `/schedules/${created.schedule_id}`)).body.next_fire_at, '2026-03-27T12:00:00.000Z');

      clock.set('2026-03-27T12:00:00.200Z');
      await firer.tick();
      assert.deepEqual((await fires(created.schedule_id)).data.map((f: { outcome: string }) => f.outcome), ['skipped_overlap', 'created'],
        'the first run is still QUEUED (no workers)');

      const paused = await t.api('POST', `/schedules/${created.schedule_id}/pause`);
      assert.equal(paused.status, 200);
      assert.equal(paused.body.paused, true);
      assert.equal(paused.body.next_fire_at, null);
      assert.deepEqual(paused.body.upcoming, []);
      clock.set('2026-03-27T13:00:00.500Z');
      await firer.tick();
      assert.equal((await fires(created.schedule_id)).data.length, 2, 'no fire while paused');
      clock.set('2026-03-27T13:30:00.000Z');
      const resumed = await t.api('POST', `/schedules/${created.schedule_id}/resume`);
      assert.equal(resumed.body.next_fire_at, '2026-03-27T14:00:00.000Z', 'the paused period is not caught up');
      await t.api('POST', `/workflow-runs/${first.run_id}/cancel`);
      clock.set('2026-03-27T14:00:00.100Z');
      await firer.tick();
      const after = (await fires(created.schedule_id)).data;
      assert.deepEqual(after.map((f: { fire_at: string; outcome: string }) => [f.fire_at, f.outcome]), [
        ['2026-03-27T14:00:00.000Z', 'created'], ['2026-03-27T12:00:00.000Z', 'skipped_overlap'], ['2026-03-27T11:00:00.000Z', 'created'],
      ]);
      assert.deepEqual((await fires(created.schedule_id)).pagination, { page: 1, limit: 100, total: 3, totalPages: 1 });
      assert.equal((await t.api('GET', `/schedules/${created.schedule_id}`)).body.last_fire_at, '2026-03-27T14:00:00.000Z');
    });

    it('trigger fires now, also when paused; a refused fire (daily limit) is recorded, not lost', async () => {
      const limited = await t.newWorkspace({ dailyRunLimit: 1 });
      await t.publish(HELLO_WORKFLOW, limited.workspaceId);
      const created = (await create({ cron: '@yearly', paused: true, overlap: 'allow' }, limited.token)).body;
      assert.equal(created.paused, true);
      const triggered = await t.api('POST', `/schedules/${created.schedule_id}/trigger`, { token: limited.token });
      assert.equal(triggered.status, 200, JSON.stringify(triggered.body));
      assert.equal(triggered.body.fire.outcome, 'created');
      assert.equal(triggered.body.schedule_id, created.schedule_id);
      clock.at += 1000;
      const refused = await t.api('POST', `/schedules/${created.schedule_id}/trigger`, { token: limited.token });
      assert.equal(refused.body.fire.outcome, 'daily_run_limit_exceeded');
      assert.equal(refused.body.fire.run_id, null);
      const log = await t.api('GET', `/schedules/${created.schedule_id}/fires`, { token: limited.token });
      assert.deepEqual(log.body.data.map((f: { outcome: string }) => f.outcome), ['daily_run_limit_exceeded', 'created']);
      assertError(await t.api('GET', `/schedules/${created.schedule_id}`), 404, 'not_found');
    });

    it('saves a schedule of an unpublished workflow; its fires record workflow_not_published', async () => {
      await t.services.workflows.applyWorkflow({ workspaceId: t.workspaceId, text: HELLO_WORKFLOW.replace('id: hello', 'id: draft-only'), publish: false });
      const created = await create({ workflow_id: 'draft-only', cron: '0 6 * * *', inputs: { anything: 1 } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const triggered = await t.api('POST', `/schedules/${created.body.schedule_id}/trigger`);
      assert.equal(triggered.body.fire.outcome, 'workflow_not_published');
      await t.publish(HELLO_WORKFLOW.replace('id: hello', 'id: draft-only'));
      clock.at += 1000;
      const again = await t.api('POST', `/schedules/${created.body.schedule_id}/trigger`);
      assert.equal(again.body.fire.outcome, 'invalid_inputs', 'inputs are checked again at fire time');
    });

    it('the example schedules publish and save (examples/schedules/)', async () => {
      const example = (name: string) => readFileSync(new URL(`../examples/schedules/${name}`, import.meta.url), 'utf8');
      await t.publish(example('weekday-digest.yaml'));
      const declared = (await t.api('GET', '/schedules?workflow_id=weekday-digest')).body.data as Array<{ definition_id: string }>;
      assert.deepEqual(declared.map((s) => s.definition_id).sort(), ['hourly-support', 'morning']);
      const saved = await t.api('POST', '/schedules', { body: JSON.parse(example('nightly-hello.json')) });
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
      assert.equal(saved.body.upcoming.length, 5);
    });

    it('creates, updates and removes definition schedules on publish; API edits other than pause/resume are 409', async () => {
      clock.set('2026-03-27T10:00:30.000Z');
      await t.publish(SCHEDULED_WORKFLOW(`
  - { id: morning, cron: "0 6 * * MON-FRI", timezone: Europe/Berlin, inputs: { topic: sales } }
  - { id: hourly, cron: "@hourly", inputs: { topic: support }, overlap: allow, catchup: last }`));
      const list = async () => (await t.api('GET', '/schedules?workflow_id=reports')).body.data as Array<Record<string, any>>;
      const first = await list();
      assert.deepEqual(first.map((s) => [s.definition_id, s.source, s.cron]).sort(), [
        ['hourly', 'definition', '@hourly'], ['morning', 'definition', '0 6 * * MON-FRI'],
      ]);
      const morning = first.find((s) => s.definition_id === 'morning')!;
      assert.equal(morning.next_fire_at, '2026-03-30T04:00:00.000Z', 'Monday 06:00 in Berlin (CEST)');
      assertError(await t.api('PATCH', `/schedules/${morning.schedule_id}`, { body: { cron: '0 7 * * *' } }), 409, 'schedule_managed_by_definition');
      assertError(await t.api('DELETE', `/schedules/${morning.schedule_id}`), 409, 'schedule_managed_by_definition');
      assert.equal((await t.api('POST', `/schedules/${morning.schedule_id}/pause`)).status, 200);

      const republished = await t.api('PUT', '/workflows/reports?publish=true', {
        rawBody: SCHEDULED_WORKFLOW(`
  - { id: morning, cron: "0 7 * * MON-FRI", timezone: Europe/Berlin, inputs: { topic: support } }
  - { id: nightly, cron: "0 2 * * *" , inputs: { topic: sales } }`),
        headers: { 'content-type': 'application/yaml' },
      });
      assert.equal(republished.status, 200, JSON.stringify(republished.body));
      const second = await list();
      assert.deepEqual(second.map((s) => s.definition_id).sort(), ['morning', 'nightly'], 'hourly was removed from the file');
      const morningAgain = second.find((s) => s.definition_id === 'morning')!;
      assert.equal(morningAgain.schedule_id, morning.schedule_id, 'updated in place');
      assert.equal(morningAgain.cron, '0 7 * * MON-FRI');
      assert.deepEqual(morningAgain.inputs, { topic: 'support' });
      assert.equal(morningAgain.paused, true, 'a pause set through the API survives a publish');

      const bad = await t.api('PUT', '/workflows/reports?publish=true', {
        rawBody: SCHEDULED_WORKFLOW(`  - { id: x, cron: "0 25 * * *", inputs: { topic: nope } }`),
        headers: { 'content-type': 'application/yaml' },
      });
      assertError(bad, 400, 'invalid_definition');
      assert.deepEqual(bad.body.details.map((d: { path: string }) => d.path).sort(), ['schedules[0].cron', 'schedules[0].inputs.topic']);
      assert.equal((await list()).length, 2, 'a refused file changes nothing');
    });
  });
}
