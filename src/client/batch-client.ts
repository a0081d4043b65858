import type { CreateRunBatchResponse } from '../api/batch-schemas.js';
import type { ClientRequest } from './webhooks-client.js';

/** One item of a batch create, as the API takes it (SPEC §15). */
export interface BatchRunRequestItem {
  inputs: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  idempotency_key?: string;
}

/**
 * Batch create methods of the client (SPEC §15).
 * @example
 * const { data } = await client.createRunBatch('hello', [{ inputs: { name: 'Ada' } }, { inputs: { name: 'Bob' }, idempotency_key: 'bob-1' }]);
 * for (const item of data) console.log('error' in item ? item.error.error : item.run_id);
 */
export function batchMethods(request: ClientRequest) {
  return {
    /** Queues 1 to 1,000 runs in one request; each item answers in its place (a run, or the error the single create would give). */
    async createRunBatch(workflowId: string, runs: readonly BatchRunRequestItem[]): Promise<CreateRunBatchResponse> {
      return (await request<CreateRunBatchResponse>('POST', `/workflows/${encodeURIComponent(workflowId)}/runs/batch`, { runs })).data;
    },
  };
}
