/** One Server-Sent Event as read off the wire. */
export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: any;
}

export interface SseResult {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Comment lines (`: …`) received. */
  comments: string[];
  /** True when the server ended the stream (not the reader). */
  closedByServer: boolean;
  /** The body as text when the answer was not a stream (an error). */
  body: string;
}

/**
 * Reads an SSE answer by hand (independently of the client SDK's parser) until the server
 * closes it, `until(events)` holds, or `timeoutMs` passes (then it fails).
 */
export async function readSse(url: string, options: { headers?: Record<string, string>; until?: (events: SseEvent[]) => boolean; timeoutMs?: number; onEvent?: (event: SseEvent) => void } = {}): Promise<SseResult> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no end of stream within ${options.timeoutMs ?? 30_000} ms`)), options.timeoutMs ?? 30_000);
  try {
    const response = await fetch(url, { headers: options.headers, signal: abort.signal });
    const result: SseResult = { status: response.status, headers: response.headers, events: [], comments: [], closedByServer: false, body: '' };
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      result.body = await response.text();
      return result;
    }
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        result.closedByServer = true;
        return result;
      }
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { id: undefined, event: undefined, data: undefined };
        let isEvent = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) result.comments.push(line.slice(1).trim());
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) {
            event.data = JSON.parse(line.slice(6));
            isEvent = true;
          }
        }
        if (isEvent) {
          result.events.push(event);
          options.onEvent?.(event);
        }
      }
      if (options.until?.(result.events)) {
        await reader.cancel();
        return result;
      }
    }
  } finally {
    clearTimeout(timer);
  }
}
