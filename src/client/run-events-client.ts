import { createParser } from 'eventsource-parser';
import type { RunStreamEvent } from '../api/run-events-schemas.js';

/** What the event stream needs of the client: its fetch, base URL (with prefix) and token. */
export interface StreamContext {
  doFetch: typeof fetch;
  base: string;
  token: string;
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
        headers: { authorization: `Bearer ${ctx.token}`, accept: 'text/event-stream', ...(lastId !== null && { 'last-event-id': String(lastId) }) },
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
