import type { AbortRunResponse, BulkRunsBody, BulkRunsResponse, ReplayRunBody } from '../api/run-control-schemas.js';
import type { CreateRunResponse } from '../api/schemas.js';

/** How the client sends one request, with optional headers; the answer's headers come back too. */
export type RunControlRequest = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ data: T; headers: Headers }>;

/**
 * The run-control methods of the client (SPEC §11), mixed into `createSlipwayClient`.
 * @example
 * const replay = await client.replayRun(runId, { from_step: '@failed' });
 * await client.abortRun(replay.run_id);
 * const { matched } = await client.bulkRuns({ action: 'cancel', filter: { workflow_id: 'hello', status: ['QUEUED'] }, dry_run: true });
 */
export function runControlMethods(request: RunControlRequest) {
  const path = (runId: string, action: string) => `/workflow-runs/${encodeURIComponent(runId)}/${action}`;
  return {
    /** A fresh run replaying `runId` (all of it, or from a step / `@failed`); `replayed` when the Idempotency-Key was seen before. */
    async replayRun(runId: string, body: ReplayRunBody = {}, options: { idempotencyKey?: string } = {}): Promise<CreateRunResponse & { replayed: boolean }> {
      const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
      const result = await request<CreateRunResponse>('POST', path(runId, 'replay'), body, headers);
      return { ...result.data, replayed: result.headers.get('idempotent-replayed') === 'true' };
    },
    /** Cancels a QUEUED run, stops a running one (it ends FAILED/ABORTED within SLIPWAY_ABORT_GRACE). */
    async abortRun(runId: string): Promise<AbortRunResponse> {
      return (await request<AbortRunResponse>('POST', path(runId, 'abort'))).data;
    },
    /** Cancel, abort or replay the runs a filter matches; `dry_run: true` only counts. */
    async bulkRuns(body: BulkRunsBody): Promise<BulkRunsResponse> {
      return (await request<BulkRunsResponse>('POST', '/workflow-runs/bulk', body)).data;
    },
  };
}
