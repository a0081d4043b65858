import type { RunStepResponse } from '../api/run-step-schemas.js';
import type { RunLogsResponse } from '../api/step-log-schemas.js';
import { API_PREFIX } from '../api/prefix.js';
import type { ApplyWorkflowResponse, DryRunResponse, ValidateWorkflowResponse, WorkflowDefinitionResponse } from '../api/authoring-schemas.js';
import { isErrorBody, SlipwayApiError } from './api-error.js';
import { createRunWatchMethods, retryAfterMs } from './run-events-client.js';
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
import { webhookMethods } from './webhooks-client.js';
import { scheduleMethods } from './schedules-client.js';
import { runControlMethods } from './run-control-client.js';
import { secretMethods } from './secrets-client.js';
import { workerMethods } from './workers-client.js';
import { batchMethods } from './batch-client.js';
import { waitpointMethods } from './waitpoints-client.js';
import { workspaceMethods } from './workspace-client.js';

export { SlipwayApiError };

export interface SlipwayClientOptions {
  /** e.g. `http://127.0.0.1:8080` */
  baseUrl: string;
  token: string;
  /** Sent as `X-Workspace-Id`: the server answers 403 when it is not the token's workspace. */
  workspaceId?: number;
  fetch?: typeof fetch;
  /**
   * Retry 429 answers (run limits) after their `Retry-After`, up to `maxRetries` times
   * (default 3) and only when the wait is at most `maxWaitMs` (default 60 s). Off unless set.
   */
  retryRateLimited?: boolean | { maxRetries?: number; maxWaitMs?: number };
}

/** A body sent as text with its own media type (definitions: YAML or JSON); any other body is sent as JSON. */
class TextBody {
  constructor(readonly text: string, readonly contentType: string) {}
}



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
  const authHeaders = (): Record<string, string> => ({
    authorization: `Bearer ${options.token}`,
    ...(options.workspaceId !== undefined && { 'x-workspace-id': String(options.workspaceId) }),
  });

  /** One request; with `retryRateLimited`, a 429 is sent again after its Retry-After. */
  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const text = body instanceof TextBody ? body : null;
    for (let retries = 0; ; retries++) {
      const response = await doFetch(base + path, {
        method,
        headers: { ...authHeaders(), ...(body !== undefined && { 'content-type': text ? text.contentType : 'application/json' }), ...headers },
        body: body === undefined ? undefined : text ? text.text : JSON.stringify(body),
      });
      const waitMs = response.status === 429 && rateLimit ? retryAfterMs(response.headers.get('retry-after')) : null;
      if (waitMs === null || retries >= (rateLimit?.maxRetries ?? 3) || waitMs > (rateLimit?.maxWaitMs ?? 60_000)) return response;
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  async function request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ data: T; headers: Headers; status: number }> {
    const response = await send(method, path, body, headers);
    const answer = await response.text();
    let data: unknown = null;
    try {
      data = answer ? (JSON.parse(answer) as unknown) : null;
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
    ...webhookMethods(request),
    ...secretMethods(request),
    ...batchMethods(request),
    ...scheduleMethods(request, query),
    ...runControlMethods(request),
    ...waitpointMethods(request, query),
    ...workspaceMethods(request),
    ...workerMethods(request),

    async listWorkflows(filter: ListWorkflowsQuery = {}): Promise<ListWorkflowsResponse> {
      return (await request<ListWorkflowsResponse>('GET', `/workflows${query(filter)}`)).data;
    },

    async getWorkflow(workflowId: string): Promise<Workflow> {
      return (await request<Workflow>('GET', `/workflows/${encodeURIComponent(workflowId)}`)).data;
    },

    /**
     * Queues a run; `replayed` is true when the idempotency key returned an existing run.
     * Flow control (SPEC §12): `priority` (seconds of queue credit), `delay` ("30s") or
     * `not_before` (ISO time), `ttl` ("1h").
     */
    async createRun(
      workflowId: string,
      body: { inputs: Record<string, unknown>; metadata?: Record<string, unknown>; priority?: number; delay?: string; not_before?: string; ttl?: string },
      options: { idempotencyKey?: string } = {},
    ): Promise<CreateRunResponse & { replayed: boolean }> {
      const headers: Record<string, string> = options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {};
      const result = await request<CreateRunResponse>('POST', `/workflows/${encodeURIComponent(workflowId)}/runs`, body, headers);
      return { ...result.data, replayed: result.headers.get('idempotent-replayed') === 'true' };
    },

    async getRun(runId: string): Promise<Run> {
      return (await request<Run>('GET', `/workflow-runs/${encodeURIComponent(runId)}`)).data;
    },

    /**
     * The run's step log lines, oldest first (SPEC §17); page with `after` = the last `seq` seen.
     * @example const { data } = await client.getRunLogs(runId, { step_id: 'fetch', after: 0, limit: 100 });
     */
    async getRunLogs(runId: string, query: { step_id?: string; after?: number; limit?: number } = {}): Promise<RunLogsResponse> {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
      const qs = params.size > 0 ? `?${params}` : '';
      return (await request<RunLogsResponse>('GET', `/workflow-runs/${encodeURIComponent(runId)}/logs${qs}`)).data;
    },

    /** The run's steps (a Slipway extension): status, attempts, output and error of each. */
    async getRunSteps(runId: string): Promise<RunStepsResponse> {
      return (await request<RunStepsResponse>('GET', `/workflow-runs/${encodeURIComponent(runId)}/steps`)).data;
    },

    /**
     * One step of a run with its output and input whole (list entries truncate values over 64 KiB).
     * @example const step = await client.getRunStep(runId, 'each[0].fetch');
     */
    async getRunStep(runId: string, stepId: string): Promise<RunStepResponse> {
      return (await request<RunStepResponse>('GET', `/workflow-runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(stepId)}`)).data;
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

    async listWorkflowVersions(workflowId: string): Promise<ListWorkflowVersionsResponse> {
      return (await request<ListWorkflowVersionsResponse>('GET', `/workflows/${encodeURIComponent(workflowId)}/versions`)).data;
    },

    // --- authoring (SPEC §14) ---

    /**
     * Creates or updates workflow `workflowId` from a definition file (YAML or JSON text); with
     * `publish`, publishes a new version unless it equals the default one. Definition errors
     * throw a SlipwayApiError `invalid_definition` whose details carry path, line and column.
     * @example
     * const applied = await client.applyWorkflow('brand-brief', readFileSync('brand-brief.yaml', 'utf8'), { publish: true });
     */
    async applyWorkflow(workflowId: string, definition: string, applyOptions: { publish?: boolean; contentType?: string } = {}): Promise<ApplyWorkflowResponse & { created: boolean }> {
      const body = new TextBody(definition, applyOptions.contentType ?? 'application/yaml');
      const result = await request<ApplyWorkflowResponse>('PUT', `/workflows/${encodeURIComponent(workflowId)}${query({ publish: applyOptions.publish ?? false })}`, body);
      return { ...result.data, created: result.status === 201 };
    },

    /** Every problem applying the definition (as `workflowId`, when given) would report; stores nothing. */
    async validateWorkflow(definition: string, validateOptions: { contentType?: string; workflowId?: string } = {}): Promise<ValidateWorkflowResponse> {
      const path = `/workflows/validate${query({ workflow_id: validateOptions.workflowId })}`;
      return (await request<ValidateWorkflowResponse>('POST', path, new TextBody(definition, validateOptions.contentType ?? 'application/yaml'))).data;
    },

    /** Checks a run request as a create would (same errors) and creates nothing. */
    async dryRunCreateRun(workflowId: string, body: { inputs: Record<string, unknown>; metadata?: Record<string, unknown> }): Promise<DryRunResponse> {
      return (await request<DryRunResponse>('POST', `/workflows/${encodeURIComponent(workflowId)}/runs?dry_run=true`, body)).data;
    },

    /** The last applied definition and the default version's, as JSON. */
    async getWorkflowDefinition(workflowId: string): Promise<WorkflowDefinitionResponse> {
      return (await request<WorkflowDefinitionResponse>('GET', `/workflows/${encodeURIComponent(workflowId)}/definition`)).data;
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

    // --- watching runs (SPEC §9): waitForRun, createRunAndWait, streamRunEvents, getWorkflowGraph ---
    ...createRunWatchMethods({ request, doFetch, base, authHeaders }),
  };
}

export type SlipwayClient = ReturnType<typeof createSlipwayClient>;
