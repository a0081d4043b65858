import type { ListWorkersResponse } from '../api/worker-schemas.js';

type WorkersRequest = <T>(method: string, path: string, body?: unknown) => Promise<{ data: T }>;

/**
 * The workers registry methods of the client (SPEC §12), mixed into `createSlipwayClient`.
 * @example
 * const { data } = await client.listWorkers();
 * for (const w of data) console.log(w.host, w.pid, `${w.active_runs.length}/${w.concurrency}`);
 */
export function workerMethods(request: WorkersRequest) {
  return {
    /** Live worker processes (seen within their lease timeout), with this workspace's runs on each. */
    async listWorkers(): Promise<ListWorkersResponse> {
      return (await request<ListWorkersResponse>('GET', '/workers')).data;
    },
  };
}
