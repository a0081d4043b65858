/**
 * Load generator, run in its own process so it never shares an event loop with the
 * server under test. Argument: a JSON object {url, token?, body, connections, seconds?, amount?}.
 * Prints {result: {rps, p50, p99, ok, non2xx, errors, seconds}}.
 */
import autocannon from 'autocannon';
import { printResult } from '../lib/processes.js';

interface LoadSpec {
  url: string;
  token?: string;
  body: string;
  connections: number;
  seconds?: number;
  amount?: number;
}

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (spec.token) headers.authorization = `Bearer ${spec.token}`;

const result = await autocannon({
  url: spec.url,
  method: 'POST',
  headers,
  body: spec.body,
  connections: spec.connections,
  ...(spec.amount ? { amount: spec.amount } : { duration: spec.seconds ?? 5 }),
});
const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
const ok = result['2xx'];
printResult({
  rps: ok / seconds,
  p50: result.latency.p50,
  p99: result.latency.p99,
  ok,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  seconds,
});
