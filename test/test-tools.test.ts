import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { installCommand, missingTools, TEST_TOOLS } from '../scripts/ensure-test-tools.js';
import { tempDir } from './support/test-server.js';

const SCRIPT = fileURLToPath(new URL('../scripts/ensure-test-tools.ts', import.meta.url));

/** `npm test`'s pretest step: what it looks for, and what it says when it may not install. */
describe('pretest: the programs npm test needs', () => {
  it('finds programs on PATH and reports the missing ones', () => {
    const sh = { command: 'sh', aliases: [], aptPackage: 'dash', neededBy: 'x' };
    const absent = { command: 'slipway-no-such-program', aliases: ['slipway-nor-this'], aptPackage: 'nothing', neededBy: 'y' };
    assert.deepEqual(missingTools([sh, absent]), [absent]);
    assert.equal(installCommand(TEST_TOOLS), 'sudo apt-get update && sudo apt-get install -y chromium redis-server');
  });

  it('without apt (or the right to use it) fails and names the exact command', () => {
    // A PATH that holds only `sh`: chromium, redis-server and apt-get are all missing.
    const bin = tempDir('slipway-pretest-');
    try {
      symlinkSync('/bin/sh', join(bin.path, 'sh'));
      const result = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { env: { ...process.env, PATH: bin.path }, encoding: 'utf8' });
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /npm test needs chromium \(the dashboard browser tests\), redis-server \(BullMQ in the benchmark smoke step\), and cannot install them/);
      assert.match(result.stderr, /apt-get is not available/);
      assert.ok(result.stderr.includes('  sudo apt-get update && sudo apt-get install -y chromium redis-server\n'), result.stderr);
    } finally {
      bin.remove();
    }
  });
});
