import { sendJson, startHttpPeer, type HttpPeer } from './http-peer.js';

/**
 * A small OpenAI-compatible chat-completions server on loopback. It answers
 * `echo: <last user message>`, or a JSON object when a json_schema response is asked
 * for. Model names steer failures: `rate-limited` answers 429 (Retry-After: 0) on its
 * first call, `overloaded` always 503 (Retry-After: 0), `bad` 400.
 */
export async function startFakeOpenAi(): Promise<HttpPeer & { baseUrl: string }> {
  const calls = new Map<string, number>();
  const peer = await startHttpPeer((request, response) => {
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') return sendJson(response, 404, { error: { message: 'not found' } });
    if (request.headers.authorization !== 'Bearer test-key') return sendJson(response, 401, { error: { message: 'bad key' } });
    const body = JSON.parse(request.body) as { model: string; messages: { role: string; content: string }[]; response_format?: { type: string; json_schema?: { schema: { properties?: Record<string, unknown> } } } };
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
