import { writeFileSync } from 'node:fs';
import { startTestServer } from './support/test-server.js';
const t = await startTestServer({ concurrency: 0 });
const r = await t.api('GET', '/openapi.json', { token: null });
writeFileSync('/tmp/hh/openapi.json', JSON.stringify(r.body, null, 2));
await t.close();
