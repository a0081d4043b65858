import type {
  CompleteWaitpointBody,
  ListWaitpointsQuery,
  ListWaitpointsResponse,
  RunWaitpointsResponse,
  SendEventBody,
  SendEventResponse,
  WaitpointResponse,
} from '../api/waitpoint-schemas.js';

/** How the client's topic files speak to the API (the client's own `request`). */
export type WaitpointsRequest = <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ data: T; headers: Headers }>;
type Query = (values: Record<string, unknown>) => string;

const at = (id: string) => encodeURIComponent(id);

/**
 * Waitpoint and event methods of the client (SPEC §7), mixed into `createSlipwayClient`.
 * @example
 * const { data: open } = await client.listWaitpoints({ status: 'OPEN', kind: 'approval' });
 * await client.completeWaitpoint(open[0].waitpoint_id, { decision: 'approved', data: { comment: 'ship it' } });
 * const { matched } = await client.sendEvent({ name: 'order.paid', data: { orderId: 'A-1' }, id: 'evt-1' });
 */
export function waitpointMethods(request: WaitpointsRequest, query: Query) {
  return {
    /** The inbox: waitpoints of the workspace, newest first, filtered by status, kind, workflow. */
    async listWaitpoints(filter: ListWaitpointsQuery = {}): Promise<ListWaitpointsResponse> {
      return (await request<ListWaitpointsResponse>('GET', `/waitpoints${query(filter)}`)).data;
    },
    /** One waitpoint; `callback_url` is set for kind callback. */
    async getWaitpoint(waitpointId: string): Promise<WaitpointResponse> {
      return (await request<WaitpointResponse>('GET', `/waitpoints/${at(waitpointId)}`)).data;
    },
    /** A run's waitpoints, oldest first. */
    async listRunWaitpoints(runId: string): Promise<RunWaitpointsResponse> {
      return (await request<RunWaitpointsResponse>('GET', `/workflow-runs/${at(runId)}/waitpoints`)).data;
    },
    /**
     * Completes a waitpoint: approvals take `{decision, data?}` (data checked against `fields`
     * when approved: 400 `invalid_inputs`), callback and event waitpoints `{data}`. Not OPEN: 409
     * `waitpoint_not_open`.
     */
    async completeWaitpoint(waitpointId: string, body: CompleteWaitpointBody): Promise<WaitpointResponse> {
      return (await request<WaitpointResponse>('POST', `/waitpoints/${at(waitpointId)}/complete`, body)).data;
    },
    /** Sends an event to the open event waitpoints of the workspace; `replayed` when its `id` was seen within 24 h. */
    async sendEvent(body: SendEventBody): Promise<SendEventResponse & { replayed: boolean }> {
      const result = await request<SendEventResponse>('POST', '/events', body);
      return { ...result.data, replayed: result.headers.get('idempotent-replayed') === 'true' };
    },
  };
}
