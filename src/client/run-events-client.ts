import { createParser } from 'eventsource-parser';
import type { RunStreamEvent, WorkflowGraphResponse } from '../api/run-events-schemas.js';
import type { CreateRunResponse, Run, RunWithDetails } from '../api/schemas.js';
import { errorOf } from './api-error.js';

/** What the event stream needs of the client: its fetch, base URL (with prefix) and token. */
export interface StreamContext {
  doFetch: typeof fetch;
  base: string;
  authHeaders(): Record<string, string>;
  /** Turns a non-2xx answer into the client's error (SlipwayApiError). */
  toError(response: Response): Promise<Error>;
  /** Whether the run is terminal now: ends a stream that closed with nothing new (e.g. resumed after the end). */
  isTerminal(runId: string): Promise<boolean>;
}

export interface StreamRunEventsOptions {
  /** Resume after this event id (the last one you saw). */
  lastEventId?: number;
  signal?: AbortSignal;
  /** Reconnects in a row without a new event before giving up. Default 10. */
  maxReconnects?: number;
  /** Wait before a reconnect (doubled each time, at most 10 s). Default 250 ms. */
  reconnectDelayMs?: number;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

/**
 * A run's events as an async iterator (SPEC §9): replays the stored events, follows live
 * and ends after the terminal `run.status`. A dropped connection (or the server closing a
 * stream: shutdown, its 1 h limit, a full buffer) is resumed with `Last-Event-ID`, so no
 * event is lost or repeated. Stop early with `break` or the `signal`.
 */
export async function* streamRunEvents(ctx: StreamContext, runId: string, options: StreamRunEventsOptions = {}): AsyncGenerator<RunStreamEvent> {
  let lastId = options.lastEventId ?? null;
  const maxReconnects = options.maxReconnects ?? 10;
  let failures = 0;
  const url = `${ctx.base}/workflow-runs/${encodeURIComponent(runId)}/events`;
  for (;;) {
    let gotEvent = false;
    try {
      const response = await ctx.doFetch(url, {
        headers: { ...ctx.authHeaders(), accept: 'text/event-stream', ...(lastId !== null && { 'last-event-id': String(lastId) }) },
        signal: options.signal,
      });
      if (!response.ok) {
        // Client errors (404, 401 …) are final; a server error or overload is retried below.
        if (response.status < 500 && response.status !== 429) throw Object.assign(await ctx.toError(response), { final: true });
        await response.body?.cancel();
        throw new Error(`event stream answered ${response.status}`);
      }
      const queue: RunStreamEvent[] = [];
      const parser = createParser({
        onEvent(message) {
          if (message.id === undefined || message.event === undefined) return;
          queue.push({ id: Number(message.id), type: message.event as RunStreamEvent['type'], data: JSON.parse(message.data) as Record<string, unknown> });
        },
      });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
          while (queue.length > 0) {
            const event = queue.shift()!;
            lastId = event.id;
            gotEvent = true;
            failures = 0;
            yield event;
            if (event.type === 'run.status' && TERMINAL.has(String(event.data.status))) return;
          }
        }
      } finally {
        reader.releaseLock();
        await response.body?.cancel().catch(() => {});
      }
    } catch (error) {
      if (options.signal?.aborted || (error as { final?: boolean }).final) throw error;
      failures += 1;
      if (failures > maxReconnects) throw error;
    }
    if (options.signal?.aborted) return;
    // Closed with nothing new: the end was already seen (or the run is gone); otherwise resume.
    if (!gotEvent && (await ctx.isTerminal(runId).catch(() => false))) return;
    const delay = Math.min(10_000, (options.reconnectDelayMs ?? 250) * 2 ** Math.max(0, failures - 1));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The time a 429's `Retry-After` asks for, in ms (seconds or an HTTP date); null when absent. */
export function retryAfterMs(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** What the watch methods need of the client. */
export interface ClientTransport {
  request<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ data: T; headers: Headers; status: number }>;
  doFetch: typeof fetch;
  /** Base URL with the API prefix. */
  base: string;
  authHeaders(): Record<string, string>;
}

/** The client's methods of SPEC §9 (spread into `createSlipwayClient`'s object). */
export function createRunWatchMethods(transport: ClientTransport) {
  const { request } = transport;
  const runPath = (runId: string) => `/workflow-runs/${encodeURIComponent(runId)}`;

  /**
   * Waits until the run is COMPLETED, FAILED or CANCELED with long-polls (`?wait=`, SPEC §9),
   * or throws after `timeoutMs` (default 10 min).
   */
  async function waitForRun(runId: string, waitOptions: { timeoutMs?: number } = {}): Promise<Run> {
    const deadline = Date.now() + (waitOptions.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const seconds = Math.max(1, Math.min(60, Math.ceil((deadline - Date.now()) / 1000)));
      const run = (await request<Run>('GET', `${runPath(runId)}?wait=${seconds}`)).data;
      if (TERMINAL.has(run.status)) return run;
      if (Date.now() >= deadline) throw new Error(`run ${runId} is still ${run.status} after waiting`);
    }
  }

  return {
    waitForRun,

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
      await waitForRun(created.data.run_id, { timeoutMs: waitOptions.timeoutMs });
      return (await request<RunWithDetails>('GET', `${runPath(created.data.run_id)}?include=details`)).data;
    },

    /**
     * The run's events (SPEC §9) as an async iterator that resumes with `Last-Event-ID`
     * after a dropped connection and ends after the terminal `run.status`.
     * @example
     * for await (const event of client.streamRunEvents(runId)) console.log(event.id, event.type, event.data);
     */
    streamRunEvents(runId: string, streamOptions: StreamRunEventsOptions = {}): AsyncGenerator<RunStreamEvent> {
      return streamRunEvents({
        doFetch: transport.doFetch,
        base: transport.base,
        authHeaders: transport.authHeaders,
        isTerminal: async (id) => TERMINAL.has((await request<Run>('GET', runPath(id))).data.status),
        toError: errorOf,
      }, runId, streamOptions);
    },

    /** The step graph of a workflow version (default: the default version, or the draft). */
    async getWorkflowGraph(workflowId: string, version?: number | null): Promise<WorkflowGraphResponse> {
      const qs = version ? `?version=${version}` : '';
      return (await request<WorkflowGraphResponse>('GET', `/workflows/${encodeURIComponent(workflowId)}/graph${qs}`)).data;
    },
  };
}
