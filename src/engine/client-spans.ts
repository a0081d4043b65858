/**
 * What the client span of an outbound step call says (SPEC §17), by step type: `http`
 * (OpenTelemetry HTTP client conventions) and `llm` (`gen_ai.*` conventions, token usage).
 * Read from the attempt's input as checkpointed — secrets are placeholders there, never
 * values — and from the step's output.
 */
export interface ClientCallSpec {
  name: string;
  attributes: Record<string, string | number>;
  result(outcome: { kind: 'completed'; output: unknown } | { kind: 'failed'; message: string } | { kind: 'other' }): {
    attributes: Record<string, string | number>;
    /** Non-null: the span's status is ERROR with this message. */
    error: string | null;
  };
}

type Input = Record<string, unknown>;

export function clientCallSpec(stepType: string, input: unknown): ClientCallSpec | null {
  if (input === null || typeof input !== 'object') return null;
  if (stepType === 'http') return httpSpec(input as Input);
  if (stepType === 'llm') return llmSpec(input as Input);
  return null;
}

function serverOf(url: unknown): Record<string, string | number> {
  if (typeof url !== 'string') return {};
  try {
    const parsed = new URL(url);
    const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
    return { 'server.address': parsed.hostname, 'server.port': port };
  } catch {
    return {};
  }
}

/** The URL without user info (a password in a URL never goes into a span). */
function redactedUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

function httpSpec(input: Input): ClientCallSpec {
  const method = typeof input.method === 'string' ? input.method.toUpperCase() : 'GET';
  const url = typeof input.url === 'string' ? redactedUrl(input.url) : '';
  return {
    name: method,
    attributes: { 'http.request.method': method, 'url.full': url, ...serverOf(url) },
    result(outcome): ReturnType<ClientCallSpec['result']> {
      if (outcome.kind === 'completed') {
        const status = (outcome.output as { status?: unknown } | null)?.status;
        if (typeof status !== 'number') return { attributes: {}, error: null };
        return { attributes: { 'http.response.status_code': status }, error: status >= 400 ? String(status) : null };
      }
      if (outcome.kind === 'failed') {
        const status = /answered (\d{3})/.exec(outcome.message)?.[1];
        return { attributes: status ? { 'http.response.status_code': Number(status) } : { 'error.type': 'request_failed' }, error: outcome.message };
      }
      return { attributes: {}, error: null };
    },
  };
}

function llmSpec(input: Input): ClientCallSpec {
  const models = Array.isArray(input.model) ? input.model : [input.model];
  const model = typeof models[0] === 'string' ? models[0] : 'unknown';
  const attributes: Record<string, string | number> = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': model,
    // Only a step's own `baseUrl` is known here (the server's SLIPWAY_LLM_BASE_URL is not).
    ...serverOf(input.baseUrl),
  };
  if (typeof input.temperature === 'number') attributes['gen_ai.request.temperature'] = input.temperature;
  if (typeof input.maxTokens === 'number') attributes['gen_ai.request.max_tokens'] = input.maxTokens;
  return {
    name: `chat ${model}`,
    attributes,
    result(outcome) {
      if (outcome.kind === 'failed') return { attributes: { 'error.type': 'llm_call_failed' }, error: outcome.message };
      if (outcome.kind !== 'completed') return { attributes: {}, error: null };
      const output = outcome.output as { model?: unknown; usage?: { input_tokens?: unknown; output_tokens?: unknown } | null } | null;
      const done: Record<string, string | number> = {};
      if (typeof output?.model === 'string') done['gen_ai.response.model'] = output.model;
      if (typeof output?.usage?.input_tokens === 'number') done['gen_ai.usage.input_tokens'] = output.usage.input_tokens;
      if (typeof output?.usage?.output_tokens === 'number') done['gen_ai.usage.output_tokens'] = output.usage.output_tokens;
      return { attributes: done, error: null };
    },
  };
}
