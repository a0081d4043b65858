import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ListWorkersResponse } from '../../api/worker-schemas.js';
import type * as Wire from '../../api/worker-schemas.js';
import { toIso } from '../../core/clock.js';
import type { WorkerView, WorkersService } from '../../service/workers-service.js';
import { routeSchema } from '../route-schema.js';

/** SPEC §12: `GET /workers`, the live worker processes. */
export function registerWorkerRoutes(app: FastifyInstance, deps: { workers: WorkersService }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/workers', routeSchema({
    operationId: 'listWorkers',
    summary: 'List live worker processes',
    description:
      'Every process with workers heartbeats every third of its lease timeout (`SLIPWAY_LEASE_TIMEOUT`); it is listed while its ' +
      'last heartbeat is within that timeout, oldest first. `active_runs` are this workspace\'s runs it was executing at that heartbeat.',
    tags: ['workers'],
    response: { 200: ListWorkersResponse },
  }), async (request) => ({ data: (await deps.workers.listWorkers(request.caller.workspaceId)).map(toWorkerResponse) }));
}

export function toWorkerResponse(worker: WorkerView): Wire.Worker {
  return {
    worker_id: worker.workerId,
    host: worker.host,
    pid: worker.pid,
    started_at: toIso(worker.startedAt),
    last_seen_at: toIso(worker.lastSeenAt),
    concurrency: worker.concurrency,
    active_runs: worker.activeRunIds,
  };
}
