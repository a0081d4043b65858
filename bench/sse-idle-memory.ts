/**
 * Measures the resident memory of a `slipway serve` process before and after 200 idle
 * subscribers open `GET /workflow-runs/{id}/events` (SPEC §9: streams are bounded). Runs stay
 * QUEUED (`--concurrency 0`), so every stream stays open and idle. Prints the numbers.
 *
 *   node --import tsx bench/sse-idle-memory.ts [subscribers=200] [sqlite|postgres]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startSlipwayProcess } from '../test/support/slipway-process.js';

const SUBSCRIBERS = Number(process.argv[2] ?? 200);
const API = '/workflow-service/api/public/v1';

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), 'slipway-sse-mem-'));
const serve = await startSlipwayProcess(['--database-url', `sqlite:${join(dir, 'db.sqlite')}`, 'serve', '--port', '0', '--concurrency', '0']);
try {
  const token = /SLIPWAY_TOKEN=(slat_\w+)/.exec(serve.output())![1]!;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const runIds: string[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const created = await fetch(`${serve.url}${API}/workflows/hello/runs`, { method: 'POST', headers, body: JSON.stringify({ inputs: { name: `n${i}` } }) });
    runIds.push(((await created.json()) as { run_id: string }).run_id);
  }
  await sleep(2000);
  const before = rssMiB(serve.child.pid!);
  const abort = new AbortController();
  const streams = await Promise.all(runIds.map(async (runId) => {
    const response = await fetch(`${serve.url}${API}/workflow-runs/${runId}/events`, { headers, signal: abort.signal });
    const reader = response.body!.getReader();
    await reader.read(); // the opening comment and the replayed QUEUED event
    return reader;
  }));
  await sleep(5000);
  const during = rssMiB(serve.child.pid!);
  await sleep(5000);
  const later = rssMiB(serve.child.pid!);
  abort.abort();
  for (const reader of streams) await reader.cancel().catch(() => {});
  console.log(JSON.stringify({
    subscribers: SUBSCRIBERS,
    rss_before_mib: Number(before.toFixed(1)),
    rss_with_subscribers_mib: Number(during.toFixed(1)),
    rss_10s_later_mib: Number(later.toFixed(1)),
    per_subscriber_kib: Number((((during - before) * 1024) / SUBSCRIBERS).toFixed(1)),
  }));
} finally {
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
}
