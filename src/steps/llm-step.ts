import { Type } from '@sinclair/typebox';
import { guardedFetch } from './guarded-fetch.js';
import { callChatCompletions, checkProviderUrl, type ChatResult } from './llm-call.js';
import { defineStepType, type StepOutcome } from './step-type.js';

export { retryAfterMs } from './llm-call.js';

export interface LlmStepOptions {
  /** `SLIPWAY_LLM_BASE_URL`, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** `SLIPWAY_LLM_API_KEY`; sent as a bearer token when set, never to a step's own `baseUrl`. */
  apiKey: string | null;
  /** SLIPWAY_HTTP_ALLOW_PRIVATE: a step's own `baseUrl` may reach private addresses. */
  allowPrivate?: boolean;
  /** Tries per attempt for 429 and 5xx answers of a single model (with backoff honouring Retry-After). */
  maxTries?: number;
  /** Backoff before the second try when the provider sends no Retry-After. */
  backoffMs?: number;
  /** One call's time limit; past it a model list moves on to the next model. */
  requestTimeoutMs?: number;
}

const Message = Type.Object({ role: Type.String(), content: Type.Unknown() });
const ModelName = Type.String({ minLength: 1 });

const LlmInput = Type.Object(
  {
    /** A model, or models tried in order: a 429, 5xx or time-out moves to the next at once. */
    model: Type.Union([ModelName, Type.Array(ModelName, { minItems: 1, maxItems: 10 })]),
    prompt: Type.Optional(Type.String()),
    system: Type.Optional(Type.String()),
    messages: Type.Optional(Type.Array(Message, { minItems: 1 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    /** A JSON schema: asks for a JSON answer of that shape (`response_format: json_schema`). */
    responseSchema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Read the answer as the provider's SSE stream and publish it as `step.delta` events while it arrives. */
    stream: Type.Optional(Type.Boolean()),
    /** Another OpenAI-compatible provider (through the address guard); it never receives the server's key. */
    baseUrl: Type.Optional(Type.String({ minLength: 1 })),
    /** Bearer token for the provider, e.g. `{{ secrets.OPENAI_API_KEY }}`. */
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/**
 * `llm`: one OpenAI-compatible chat completion (SPEC §5, §13). Output `{text, json?, model,
 * usage}`: `usage` is `{input_tokens, output_tokens, model}` with the provider's own object
 * under `usage.raw`; `json` is the parsed answer when a `responseSchema` was given. With one
 * model, 429 and 5xx answers are tried again inside the attempt (Retry-After or backoff);
 * with a list of models, such an answer (or a time-out) moves to the next model at once.
 * `baseUrl` and `apiKey` choose another provider; the server's `SLIPWAY_LLM_API_KEY` goes
 * only to the server's `SLIPWAY_LLM_BASE_URL`. With `stream: true` the answer's text is
 * handed to `ctx.streamText` as it arrives.
 */
export function createLlmStep(options: LlmStepOptions) {
  return defineStepType({
    type: 'llm',
    description: 'Calls an OpenAI-compatible chat-completions endpoint; output {text, json?, model, usage}.',
    input: LlmInput,
    idempotent: false,
    // `{{ secrets.NAME }}` may appear anywhere in its `with` (SPEC §13).
    secretFields: 'all',
    async run(input, ctx): Promise<StepOutcome> {
      if (!input.prompt && !input.messages) return { kind: 'failed', message: 'give with.prompt or with.messages', retryable: false };
      if (input.baseUrl !== undefined) {
        const refused = await checkProviderUrl(input.baseUrl, options.allowPrivate ?? false);
        if (refused) return { kind: 'failed', message: refused, retryable: false };
      }
      const baseUrl = input.baseUrl ?? options.baseUrl;
      const apiKey = input.apiKey ?? (input.baseUrl === undefined ? options.apiKey : null);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      const models = typeof input.model === 'string' ? [input.model] : input.model;
      const failures: string[] = [];
      for (const model of models) {
        const result: ChatResult = await callChatCompletions({
          url: `${baseUrl.replace(/\/+$/, '')}/chat/completions`,
          headers,
          request: chatRequest(input, model),
          stream: input.stream === true,
          signal: ctx.signal,
          now: ctx.now,
          onText: (text) => ctx.streamText?.(text),
          maxTries: models.length > 1 ? 1 : (options.maxTries ?? 4),
          backoffMs: options.backoffMs ?? 1000,
          timeoutMs: options.requestTimeoutMs ?? 120_000,
          // A step's own provider is connected to through the address guard's lookup.
          ...(input.baseUrl !== undefined && !options.allowPrivate && { fetch: (url, init) => guardedFetch(url, init) }),
        });
        switch (result.kind) {
          case 'answered':
            return { kind: 'completed', output: toOutput(result, model, Boolean(input.responseSchema)) };
          case 'fatal':
            return { kind: 'failed', message: result.message, retryable: false };
          case 'transient':
            failures.push(models.length > 1 ? `${model}: ${result.message}` : result.message);
            break;
        }
      }
      return { kind: 'failed', message: failures.join('; '), retryable: true };
    },
  });
}

function chatRequest(input: { prompt?: string; system?: string; messages?: unknown[]; temperature?: number; maxTokens?: number; responseSchema?: Record<string, unknown>; stream?: boolean }, model: string) {
  const messages: unknown[] = [];
  if (input.system) messages.push({ role: 'system', content: input.system });
  if (input.messages) messages.push(...input.messages);
  if (input.prompt) messages.push({ role: 'user', content: input.prompt });
  const request: Record<string, unknown> = { model, messages };
  if (input.temperature !== undefined) request.temperature = input.temperature;
  if (input.maxTokens !== undefined) request.max_tokens = input.maxTokens;
  if (input.responseSchema) request.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: input.responseSchema, strict: true } };
  if (input.stream) {
    request.stream = true;
    request.stream_options = { include_usage: true };
  }
  return request;
}

function toOutput(result: { text: string; model: string | null; usage: unknown }, requestedModel: string, wantsJson: boolean) {
  const model = result.model ?? requestedModel;
  const output: Record<string, unknown> = { text: result.text, model, usage: normalizeUsage(result.usage, model) };
  if (wantsJson) {
    try {
      output.json = JSON.parse(result.text);
    } catch {
      output.json = null;
    }
  }
  return output;
}

/** Token usage in one shape whatever the provider says (OpenAI's prompt/completion tokens, or input/output). */
export function normalizeUsage(raw: unknown, model: string): { input_tokens: number; output_tokens: number; model: string; raw: unknown } | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  const count = (...keys: string[]) => {
    for (const key of keys) if (typeof u[key] === 'number') return u[key] as number;
    return 0;
  };
  return { input_tokens: count('prompt_tokens', 'input_tokens'), output_tokens: count('completion_tokens', 'output_tokens'), model, raw };
}
