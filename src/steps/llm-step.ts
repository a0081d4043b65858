import { Type } from '@sinclair/typebox';
import { readChatStream } from './llm-stream.js';
import { defineStepType, type StepOutcome } from './step-type.js';

export interface LlmStepOptions {
  /** `SLIPWAY_LLM_BASE_URL`, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** `SLIPWAY_LLM_API_KEY`; sent as a bearer token when set. */
  apiKey: string | null;
  /** Tries per attempt for 429 and 5xx answers (with backoff honouring Retry-After). */
  maxTries?: number;
  /** Backoff before the second try when the provider sends no Retry-After. */
  backoffMs?: number;
}

/** A Retry-After longer than this is not waited out inside the step; the step fails (its `retry` may apply). */
const MAX_RETRY_AFTER_MS = 60_000;

const Message = Type.Object({ role: Type.String(), content: Type.Unknown() });

const LlmInput = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    prompt: Type.Optional(Type.String()),
    system: Type.Optional(Type.String()),
    messages: Type.Optional(Type.Array(Message, { minItems: 1 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1 })),
    /** A JSON schema: asks for a JSON answer of that shape (`response_format: json_schema`). */
    responseSchema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Read the answer as the provider's SSE stream and publish it as `step.delta` events while it arrives. */
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * `llm`: one OpenAI-compatible chat completion. Output `{text, json?, model, usage}`;
 * `json` is the parsed answer when a `responseSchema` was given. 429 and 5xx answers are
 * tried again inside the attempt, waiting what `Retry-After` asks (or an exponential backoff).
 * With `stream: true` the answer is read as the provider's SSE stream and its text handed to
 * `ctx.streamText` as it arrives (the engine coalesces it into `step.delta` events); the
 * output is the same, the whole text checkpointed once the stream ends.
 */
export function createLlmStep(options: LlmStepOptions) {
  const maxTries = options.maxTries ?? 4;
  const backoffMs = options.backoffMs ?? 1000;
  return defineStepType({
    type: 'llm',
    description: 'Calls an OpenAI-compatible chat-completions endpoint; output {text, json?, model, usage}.',
    input: LlmInput,
    idempotent: false,
    // `{{ secrets.NAME }}` may appear anywhere in its `with` (SPEC §13).
    secretFields: 'all',
    async run(input, ctx): Promise<StepOutcome> {
      if (!input.prompt && !input.messages) return { kind: 'failed', message: 'give with.prompt or with.messages', retryable: false };
      const messages: unknown[] = [];
      if (input.system) messages.push({ role: 'system', content: input.system });
      if (input.messages) messages.push(...input.messages);
      if (input.prompt) messages.push({ role: 'user', content: input.prompt });
      const request: Record<string, unknown> = { model: input.model, messages };
      if (input.temperature !== undefined) request.temperature = input.temperature;
      if (input.maxTokens !== undefined) request.max_tokens = input.maxTokens;
      if (input.responseSchema) {
        request.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: input.responseSchema, strict: true } };
      }
      if (input.stream) {
        request.stream = true;
        request.stream_options = { include_usage: true };
      }
      const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

      for (let tryNumber = 1; ; tryNumber++) {
        let response: Response;
        try {
          response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(request), signal: ctx.signal });
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          return { kind: 'failed', message: `LLM provider at ${url} unreachable: ${(error as Error).message}`, retryable: true };
        }
        if (response.ok && input.stream && (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
          const streamed = await readChatStream(response, (text) => ctx.streamText?.(text));
          return { kind: 'completed', output: withJson({ text: streamed.text, model: streamed.model ?? input.model, usage: streamed.usage }, Boolean(input.responseSchema)) };
        }
        const text = await response.text();
        if (response.ok) return { kind: 'completed', output: toOutput(text, input.model, Boolean(input.responseSchema)) };
        const transient = response.status === 429 || response.status >= 500;
        const message = `LLM provider answered ${response.status}: ${text.slice(0, 300)}`;
        if (!transient) return { kind: 'failed', message, retryable: false };
        const waitMs = retryAfterMs(response.headers.get('retry-after'), ctx.now()) ?? backoffMs * 2 ** (tryNumber - 1);
        if (tryNumber >= maxTries || waitMs > MAX_RETRY_AFTER_MS) return { kind: 'failed', message, retryable: true };
        await sleep(waitMs, ctx.signal);
      }
    },
  });
}

function toOutput(text: string, requestedModel: string, wantsJson: boolean) {
  const body = JSON.parse(text) as { model?: string; usage?: unknown; choices?: { message?: { content?: string | null } }[] };
  const content = body.choices?.[0]?.message?.content ?? '';
  return withJson({ text: content, model: body.model ?? requestedModel, usage: body.usage ?? null }, wantsJson);
}

function withJson(output: Record<string, unknown>, wantsJson: boolean): Record<string, unknown> {
  if (wantsJson) {
    try {
      output.json = JSON.parse(output.text as string);
    } catch {
      output.json = null;
    }
  }
  return output;
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.round(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
