import type { Command } from 'commander';
import type { Worker } from '../api/worker-schemas.js';
import { toWorkerResponse } from '../http/routes/worker-routes.js';
import { withRemoteOrLocal } from './remote-or-local.js';

/**
 * `slipway workers` (SPEC §12): the live worker processes, over HTTP when SLIPWAY_TOKEN is set,
 * against the database otherwise. (`slipway worker` starts one; this one lists them.)
 */
export function registerWorkerCommands(program: Command) {
  program
    .command('workers')
    .description('list the live worker processes (host, pid, slots, this workspace\'s active runs)')
    .option('--workspace <id>', 'workspace whose active runs to show (required against the database; over HTTP the token\'s)', (v: string) => Number(v))
    .option('--json', 'print JSON')
    .action((options: { workspace?: number; json?: boolean }) =>
      withRemoteOrLocal(program, options, async (target) => {
        const data: Worker[] = target.kind === 'remote'
          ? (await target.client.listWorkers()).data
          : (await target.services.workers.listWorkers(target.workspaceId)).map(toWorkerResponse);
        const text = data
          .map((w) => `${w.worker_id}\t${w.host}\tpid ${w.pid}\t${w.active_runs.length}/${w.concurrency} runs\tlast seen ${w.last_seen_at}`)
          .join('\n');
        process.stdout.write(options.json ? `${JSON.stringify(data, null, 2)}\n` : `${text || 'no live workers'}\n`);
      }));
}
