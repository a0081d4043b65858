import { Type, type Static } from '@sinclair/typebox';

/** Wire schemas of the workers registry (SPEC §12 `GET /workers`). */

const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC with milliseconds' });

export const WorkerSchema = Type.Object(
  {
    worker_id: Type.String({ description: 'The worker pool\'s id (a run\'s lease owner)' }),
    host: Type.String({ description: 'Host name of the process' }),
    pid: Type.Integer({ description: 'Process id on that host' }),
    started_at: Timestamp,
    last_seen_at: Type.String({ format: 'date-time', description: 'Its last heartbeat (every third of its lease timeout)' }),
    concurrency: Type.Integer({ description: 'Run slots of the process' }),
    active_runs: Type.Array(Type.String(), { description: 'Run ids of this workspace the worker was executing at its last heartbeat' }),
  },
  { $id: 'Worker', description: 'A live worker process: seen within its lease timeout' },
);
export type Worker = Static<typeof WorkerSchema>;

export const ListWorkersResponse = Type.Object({ data: Type.Array(WorkerSchema) }, { $id: 'WorkerList' });
export type ListWorkersResponse = Static<typeof ListWorkersResponse>;
