import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBench } from './run.js';
import { parseBenchOptions, type BenchOptions } from './lib/options.js';

/**
 * The benchmark harness in its smoke mode (tiny settings, one round): it must still produce
 * every figure and every comparison, so it cannot rot between full runs. Values are not
 * checked — speed is for benchmarks, not tests.
 */
test('npm run bench -- --smoke produces every figure and comparison', { timeout: 420_000 }, async () => {
  const out = join(tmpdir(), `slipway-bench-smoke-${process.pid}.json`);
  const options = parseBenchOptions(['--smoke', '--out', out]) as BenchOptions;
  const { report, jsonPath } = await runBench(options);
  try {
    const redisInstalled = spawnSync('redis-server', ['--version']).status === 0;
    // The one allowed gap: BullMQ without Debian's redis-server (npm test's pretest step installs it; .ci/run runs that first).
    const allowedGap = (reason: string) => !redisInstalled && /redis-server is not installed/.test(reason);
    const expected = [
      'create.sqlite.slipway.rps', 'create.sqlite.slipway.p50', 'create.sqlite.slipway.p99', 'create.sqlite.bare.rps',
      'create.postgres.slipway.rps', 'create.postgres.bare.rps', 'create.bullmq.add.rps',
      'e2e.sqlite.slipway', 'e2e.postgres.slipway', 'e2e.graphile', 'e2e.pgboss', 'e2e.bullmq',
      'pickup.sqlite.slipway.ack.p50', 'pickup.sqlite.slipway.add.p99', 'pickup.postgres.slipway.ack.p50', 'pickup.graphile.ack.p50',
      'steps.sqlite.per-step', 'steps.postgres.per-step',
      'growth.sqlite.create.rps', 'growth.sqlite.e2e', 'growth.postgres.create.rps',
      'memory.sqlite.queued', 'memory.sqlite.empty',
      // Issue 10.
      'limits.sqlite.off.rps', 'limits.sqlite.on.rps', 'limits.sqlite.full.rps',
      'limits.postgres.off.rps', 'limits.postgres.on.rps', 'limits.postgres.full.rps',
      'batch.sqlite.rps', 'batch.postgres.rps',
      // Issue 21.
      'obs.sqlite.create.off.rps', 'obs.sqlite.create.on.rps', 'obs.sqlite.e2e.off', 'obs.sqlite.e2e.on', 'obs.sqlite.scrape.cold.ms', 'obs.sqlite.scrape.warm.ms',
      'obs.postgres.create.off.rps', 'obs.postgres.create.on.rps', 'obs.postgres.e2e.off', 'obs.postgres.e2e.on', 'obs.postgres.scrape.cold.ms', 'obs.postgres.scrape.warm.ms',
      // Issue 16.
      ...['sqlite', 'postgres'].flatMap((b) => ['create', 'claim'].flatMap((w) => [`flow.${b}.${w}.off.rps`, `flow.${b}.${w}.on.rps`])),
    ];
    const expectedRatios = [
      'e2e.postgres.vs-graphile', 'create.postgres.vs-bare', 'steps.postgres.per-step',
      'limits.sqlite.on-vs-off', 'limits.sqlite.flat', 'limits.postgres.on-vs-off', 'limits.postgres.flat',
      'create.sqlite.vs-bare', 'e2e.sqlite.vs-bullmq', 'batch.sqlite.rps', 'batch.postgres.rps',
      'flow.sqlite.create.on-vs-off', 'flow.sqlite.claim.on-vs-off', 'flow.postgres.create.on-vs-off', 'flow.postgres.claim.on-vs-off',
    ];
    for (const key of expectedRatios) assert.ok(report.ratios.some((r) => r.key === key), `ratio ${key} is missing from the report`);
    for (const key of expected) assert.ok(report.figures.has(key), `figure ${key} is missing from the report`);
    for (const figure of report.figures.values()) {
      if (figure.missing !== undefined) {
        assert.ok(allowedGap(figure.missing), `${figure.key} was not measured: ${figure.missing}`);
      } else {
        assert.equal(figure.values.length, options.rounds, `${figure.key} has one value per round`);
        assert.ok(Number.isFinite(figure.median), `${figure.key} has a number`);
      }
    }
    assert.ok(report.ratios.length >= 10);
    for (const ratio of report.ratios) {
      if (ratio.value === null) assert.ok(allowedGap(ratio.missing ?? ''), `${ratio.key} was not computed: ${ratio.missing}`);
    }
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as { figures: unknown[]; ratios: unknown[] };
    assert.equal(json.figures.length, report.figures.size);
    assert.equal(json.ratios.length, report.ratios.length);
    assert.match(report.table(), /\| comparison \(same run\) \|/);
  } finally {
    rmSync(out, { force: true });
  }
});
