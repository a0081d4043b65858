import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, testBackends, type TestServer } from './support/test-server.js';

for (const backend of testBackends()) describe(`token powers: no token outlives the token that made it (SPEC §2) [${backend}]`, () => {
  let t: TestServer;
  let weekToken: string;
  let weekId: string;
  before(async () => {
    t = await startTestServer({ backend, concurrency: 0 });
    const week = await t.api('POST', '/tokens', { body: { name: 'week', expires: '7d' } });
    assert.equal(week.status, 201);
    weekToken = week.body.token;
    weekId = week.body.id;
  });
  after(() => t.close());

  it('refuses a never-expiring token or a longer-lived token created by a 7-day token (403 forbidden)', async () => {
    for (const expires of ['never', '30d', '90d']) {
      const response = await t.api('POST', '/tokens', { token: weekToken, body: { name: `from-week-${expires}`, expires } });
      assert.equal(response.status, 403, expires);
      assert.equal(response.body.error, 'forbidden');
      assert.match(response.body.message, /outlives/);
      assert.ok(response.headers.get('x-request-id'));
    }
    const listed = await t.api('GET', '/tokens');
    assert.equal(listed.body.data.filter((token: { name: string }) => token.name.startsWith('from-week')).length, 0, 'nothing was created');
  });

  it('lets a never-expiring token create any token, and a 30-day token create a 7-day one', async () => {
    const month = await t.api('POST', '/tokens', { body: { name: 'month', expires: '30d' } });
    assert.equal(month.status, 201);
    const week = await t.api('POST', '/tokens', { token: month.body.token, body: { name: 'week-from-month', expires: '7d' } });
    assert.equal(week.status, 201, JSON.stringify(week.body));
    const forever = await t.api('POST', '/tokens', { body: { name: 'forever', expires: 'never' } });
    assert.equal(forever.status, 201);
  });

  it('refuses to let a short-lived token revoke a token that outlives it, but lets it revoke itself', async () => {
    const tokens = (await t.api('GET', '/tokens')).body.data as { id: string; name: string; revoked_at?: string | null }[];
    const admin = tokens.find((token) => token.name === 'test')!;
    const refused = await t.api('POST', `/tokens/${admin.id}/revoke`, { token: weekToken });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'forbidden');
    assert.equal((await t.api('GET', '/tokens')).status, 200, 'the admin token still works');

    const self = await t.api('POST', `/tokens/${weekId}/revoke`, { token: weekToken });
    assert.equal(self.status, 200);
    assert.equal((await t.api('GET', '/tokens', { token: weekToken })).status, 401);
  });
});
