import type { ServerResponse } from 'node:http';
import { sendJson, startHttpPeer, type HttpPeer } from './http-peer.js';

/**
 * A small OpenAI-compatible chat-completions server on loopback. It answers
 * `echo: <last user message>`, or a JSON object when a json_schema response is asked
 * for. Model names steer failures: `rate-limited` answers 429 (Retry-After: 0) on its
 * first call, `overloaded` always 503 (Retry-After: 0), `bad` 400. With `stream: true`
 * the answer is an SSE stream of chunks (one word each, `streamChunkMs` apart), then a
 * usage chunk and `data: [DONE]`, as OpenAI sends it.
 */
export async function startFakeOpenAi(options: { streamChunkMs?: number } = {}): Promise<HttpPeer & { baseUrl: string }> {
  const calls = new Map<string, number>();
  const peer = await startHttpPeer((request, response) => {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') return sendJson(response, 404, { error: { message: 'not found' } });
    if (request.headers.authorization !== 'Bearer test-key') return sendJson(response, 401, { error: { message: 'bad key' } });
    const body = JSON.parse(request.body) as { model: string; stream?: boolean; messages: { role: string; content: string }[]; response_format?: { type: string; json_schema?: { schema: { properties?: Record<string, unknown> } } } };
    const seen = (calls.get(body.model) ?? 0) + 1;
    calls.set(body.model, seen);
    if (body.model === 'rate-limited' && seen === 1) return sendJson(response, 429, { error: { message: 'slow down' } }, { 'retry-after': '0' });
    if (body.model === 'overloaded') return sendJson(response, 503, { error: { message: 'overloaded' } }, { 'retry-after': '0' });
    if (body.model === 'bad') return sendJson(response, 400, { error: { message: 'bad request' } });
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const schema = body.response_format?.json_schema?.schema;
    const content = schema
      ? JSON.stringify(Object.fromEntries(Object.keys(schema.properties ?? {}).map((key) => [key, `${key} of ${lastUser.slice(0, 40)}`])))
      : `echo: ${lastUser}`;
    if (body.stream) return streamAnswer(response, body.model, content, options.streamChunkMs ?? 60);
    return sendJson(response, 200, {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      model: `${body.model}-2026-01-01`,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  });
  return Object.assign(peer, { baseUrl: `${peer.url}/v1` });
}

/** Sends `content` word by word as chat.completion.chunk events, then usage and [DONE]. */
async function streamAnswer(response: ServerResponse, model: string, content: string, chunkMs: number) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', model: `${model}-2026-01-01`, choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
  response.write(chunk({ role: 'assistant', content: '' }));
  const pieces = content.match(/\S+\s*/g) ?? [content];
  for (const piece of pieces) {
    await new Promise((resolve) => setTimeout(resolve, chunkMs));
    response.write(chunk({ content: piece }));
  }
  response.write(`data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', model: `${model}-2026-01-01`, choices: [], usage: { prompt_tokens: 10, completion_tokens: pieces.length, total_tokens: 10 + pieces.length } })}\n\n`);
  response.end('data: [DONE]\n\n');
}
