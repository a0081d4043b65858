import { API_PREFIX } from '../api/prefix.js';
import type { RunStreamEvent, WorkflowGraphResponse } from '../api/run-events-schemas.js';
import { streamRunEvents, type StreamRunEventsOptions } from './run-events-client.js';
import type {
  ApiToken,
  CancelRunResponse,
  CreateRunResponse,
  CreateTokenBody,
  CreateTokenResponse,
  ErrorBody,
  ListRunsQuery,
  ListRunsResponse,
  ListTokensResponse,
  ListWorkflowVersionsResponse,
  ListWorkflowsQuery,
  ListWorkflowsResponse,
  Run,
  RunWithDetails,
  RunStepsResponse,
  Workflow,
} from '../api/schemas.js';

/** An error answer of the API, with its documented body. */
export class SlipwayApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(`${status} ${body.error}: ${body.message}`);
    this.name = 'SlipwayApiError';
    this.status = status;
    this.body = body;
  }
}

export interface SlipwayClientOptions {
  /** e.g. `http://127.0.0.1:8080` */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /**
   * Retry 429 answers (run limits) after their `Retry-After`, up to `maxRetries` times
   * (default 3) and only when the wait is at most `maxWaitMs` (default 60 s). Off unless set.
   */
  retryRateLimited?: boolean | { maxRetries?: number; maxWaitMs?: number };
}

/** The time a 429's `Retry-After` asks for, in ms (seconds or an HTTP date); null when absent. */
function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).error === 'string' && typeof (value as ErrorBody).message === 'string';
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

/**
 * A small typed client of the public API, over `fetch` only (usable in Node and browsers).
 * @example
 * const client = createSlipwayClient({ baseUrl: 'http://127.0.0.1:8080', token: process.env.SLIPWAY_TOKEN! });
 * const { run_id } = await client.createRun('brand-brief', { inputs: { brandDomain: 'example.com' } });
 * const run = await client.waitForRun(run_id);
 */
export function createSlipwayClient(options: SlipwayClientOptions) {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/$/, '') + API_PREFIX;
  const rateLimit = options.retryRateLimited === true ? {} : options.retryRateLimited || null;

  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    for (let retries = 0; ; retries++) {
      const response = await doFetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const waitMs = response.status === 429 && rateLimit ? retryAfterMs(response.headers.get('retry-after')) : null;
      if (waitMs === null || retries >= (rateLimit?.maxRetries ?? 3) || waitMs > (rateLimit?.maxWaitMs ?? 60_000)) return response;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  async function toError(response: Response): Promise<SlipwayApiError> {
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      // not JSON
    }
    const errorBody = isErrorBody(data) ? data : { error: 'http_error', message: `HTTP ${response.status} ${response.statusText}`.trim(), request_id: '' };
    return new SlipwayApiError(response.status, errorBody);
  }

  async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ data: T; headers: Headers; status: number }> {
    const response = await send(method, path, body, headers);
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      // Not JSON (e.g. a proxy's error page): reported below with the status.
      if (response.ok) throw new SlipwayApiError(response.status, { error: 'invalid_response', message: 'The server answered with something other than JSON.', request_id: '' });
    }
    if (!response.ok) {
      const errorBody = (isErrorBody(data) ? data : { error: 'http_error', message: `HTTP ${response.status} ${response.statusText}`.trim(), request_id: '' }) as ErrorBody;
      throw new SlipwayApiError(response.status, errorBody);
    }
    return { data: data as T, headers: response.headers, status: response.status };
  }

  const query = (values: Record<string, unknown>): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(key, String(value));
    const qs = params.toString();
    return qs ? `?${qs}` : '';
  };

  return {
    async listWorkflows(filter: ListWorkflowsQuery = {}): Promise<ListWorkflowsResponse> {
      return (await request<ListWorkflowsResponse>('GET', `/workflows${query(filter)}`)).data;
    },

    async getWorkflow(workflowId: string): Promise<Workflow> {
      return (await request<Workflow>('GET', `/workflows/${encodeURIComponent(workflowId)}`)).data;
    },

    /** Queues a run; `replayed` is true when the idempotency key returned an existing run. */
    async createRun(
      workflowId: string,
      body: { inputs: Record<string, unknown>; metadata?: Record<string, unknown> },
      options: { idempotencyKey?: string } = {},
    ): Promise<CreateRunResponse & { replayed: boolean }> {
      const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
      const result = await request<CreateRunResponse>('POST', `/workflows/${encodeURIComponent(workflowId)}/runs`, body, headers);
      return { ...result.data, replayed: result.headers.get('idempotent-replayed') === 'true' };
    },

    async getRun(runId: string): Promise<Run> {
      return (await request<Run>('GET', `/workflow-runs/${encodeURIComponent(runId)}`)).data;
    },

    /** The run's steps (a Slipway extension): status, attempts, output and error of each. */
    async getRunSteps(runId: string): Promise<RunStepsResponse> {
      return (await request<RunStepsResponse>('GET', `/workflow-runs/${encodeURIComponent(runId)}/steps`)).data;
    },

    async cancelRun(runId: string): Promise<CancelRunResponse> {
      return (await request<CancelRunResponse>('POST', `/workflow-runs/${encodeURIComponent(runId)}/cancel`)).data;
    },

    // --- dashboard extensions (not in Slate's API) ---

    /** A run with its inputs, pinned version and start time. */
    async getRunDetails(runId: string): Promise<RunWithDetails> {
      return (await request<RunWithDetails>('GET', `/workflow-runs/${encodeURIComponent(runId)}?include=details`)).data;
    },

    /** Runs of the workspace, newest first. */
    async listRuns(filter: ListRunsQuery = {}): Promise<ListRunsResponse> {
      return (await request<ListRunsResponse>('GET', `/workflow-runs${query(filter)}`)).data;
    },

    /** The step graph of a workflow version (default: the default version, or the draft). */
    async getWorkflowGraph(workflowId: string, version?: number | null): Promise<WorkflowGraphResponse> {
      return (await request<WorkflowGraphResponse>('GET', `/workflows/${encodeURIComponent(workflowId)}/graph${query({ version: version ?? undefined })}`)).data;
    },

    async listWorkflowVersions(workflowId: string): Promise<ListWorkflowVersionsResponse> {
      return (await request<ListWorkflowVersionsResponse>('GET', `/workflows/${encodeURIComponent(workflowId)}/versions`)).data;
    },

    async listTokens(): Promise<ListTokensResponse> {
      return (await request<ListTokensResponse>('GET', '/tokens')).data;
    },

    /** Creates a token; the answer's `token` is the only time the full token is shown. */
    async createToken(body: CreateTokenBody): Promise<CreateTokenResponse> {
      return (await request<CreateTokenResponse>('POST', '/tokens', body)).data;
    },

    async revokeToken(tokenId: string): Promise<ApiToken> {
      return (await request<ApiToken>('POST', `/tokens/${encodeURIComponent(tokenId)}/revoke`)).data;
    },

    /**
     * Waits until the run is COMPLETED, FAILED or CANCELED with long-polls (`?wait=`, SPEC §9),
     * or throws after `timeoutMs` (default 10 min).
     */
    async waitForRun(runId: string, waitOptions: { timeoutMs?: number } = {}): Promise<Run> {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 10 * 60_000);
      for (;;) {
        const seconds = Math.max(1, Math.min(60, Math.ceil((deadline - Date.now()) / 1000)));
        const run = (await request<Run>('GET', `/workflow-runs/${encodeURIComponent(runId)}?wait=${seconds}`)).data;
        if (TERMINAL.has(run.status)) return run;
        if (Date.now() >= deadline) throw new Error(`run ${runId} is still ${run.status} after waiting`);
      }
    },

    /**
     * Creates a run and waits for its end: `?wait=` on the create (200 with the run when it ends
     * within `waitSeconds`, default 60), then long-polls until `timeoutMs`.
     * @example
     * const run = await client.createRunAndWait('hello', { inputs: { name: 'Ada' } });
     */
    async createRunAndWait(
      workflowId: string,
      body: { inputs: Record<string, unknown>; metadata?: Record<string, unknown> },
      waitOptions: { idempotencyKey?: string; waitSeconds?: number; timeoutMs?: number } = {},
    ): Promise<RunWithDetails> {
      const headers: Record<string, string> = waitOptions.idempotencyKey ? { 'idempotency-key': waitOptions.idempotencyKey } : {};
      const seconds = Math.max(1, Math.min(60, waitOptions.waitSeconds ?? 60));
      const created = await request<RunWithDetails | CreateRunResponse>('POST', `/workflows/${encodeURIComponent(workflowId)}/runs?wait=${seconds}`, body, headers);
      if (created.status === 200) return created.data as RunWithDetails;
      await this.waitForRun(created.data.run_id, { timeoutMs: waitOptions.timeoutMs });
      return this.getRunDetails(created.data.run_id);
    },

    /**
     * The run's events (SPEC §9) as an async iterator that resumes with `Last-Event-ID`
     * after a dropped connection and ends after the terminal `run.status`.
     * @example
     * for await (const event of client.streamRunEvents(runId)) console.log(event.id, event.type, event.data);
     */
    streamRunEvents(runId: string, streamOptions: StreamRunEventsOptions = {}): AsyncGenerator<RunStreamEvent> {
      return streamRunEvents({
        doFetch: (input, init) => doFetch(input, init),
        base,
        token: options.token,
        toError,
        isTerminal: async (id) => TERMINAL.has((await request<Run>('GET', `/workflow-runs/${encodeURIComponent(id)}`)).data.status),
      }, runId, streamOptions);
    },
  };
}

export type SlipwayClient = ReturnType<typeof createSlipwayClient>;
