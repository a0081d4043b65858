import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend, BenchOptions } from './options.js';
import { ROOT } from './processes.js';
import type { Report } from './report.js';
import type { PostgresServer, RedisServer } from './services.js';

/** What every scenario gets: options, the report, and the servers the harness started. */
export interface BenchContext {
  options: BenchOptions;
  report: Report;
  postgres: PostgresServer | { missing: string };
  redis: RedisServer;
  /** Why Slipway cannot run on a backend (e.g. the PostgreSQL store is not built), or null. */
  slipwayMissing: Record<Backend, string | null>;
  /** A fresh, empty database of the backend; its URL. */
  newDatabase(backend: Backend, name: string): Promise<string>;
  /** Extra node flags for Slipway processes (--cpu-prof when asked). */
  slipwayNodeArgs(name: string): string[];
  log(message: string): void;
  cleanup(): Promise<void>;
}

export function createContext(options: BenchOptions, report: Report, postgres: BenchContext['postgres'], redis: RedisServer): BenchContext {
  const tmp = mkdtempSync('/tmp/slipway-bench-');
  const profiles = join(ROOT, 'bench', 'results', 'profiles');
  let counter = 0;
  const started = Date.now();
  return {
    options,
    report,
    postgres,
    redis,
    slipwayMissing: { sqlite: null, postgres: 'missing' in postgres ? postgres.missing : null },
    async newDatabase(backend, name) {
      counter++;
      if (backend === 'sqlite') return `sqlite:${join(tmp, `${name}-${counter}.db`)}`;
      if ('missing' in postgres) throw new Error(postgres.missing);
      return postgres.newDatabase(`bench_${name.replace(/\W/g, '_')}_${counter}`);
    },
    slipwayNodeArgs(name) {
      if (!options.cpuProf) return [];
      mkdirSync(profiles, { recursive: true });
      return ['--cpu-prof', `--cpu-prof-dir=${profiles}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`];
    },
    log(message) {
      process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
    },
    async cleanup() {
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
