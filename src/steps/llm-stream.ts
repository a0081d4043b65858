import { createParser } from 'eventsource-parser';

interface ChatChunk {
  model?: string;
  usage?: unknown;
  choices?: { delta?: { content?: string | null } }[];
}

/**
 * Reads an OpenAI-compatible chat-completions SSE stream (`stream: true`): each `data:` line
 * is a chunk whose `choices[0].delta.content` continues the text, `data: [DONE]` ends it,
 * and with `stream_options.include_usage` the last chunk carries `usage`. `onText` gets
 * every piece as it arrives; the whole text is returned at the end.
 */
export async function readChatStream(response: Response, onText: (text: string) => void): Promise<{ text: string; model: string | null; usage: unknown }> {
  let text = '';
  let model: string | null = null;
  let usage: unknown = null;
  let done = false;
  const parser = createParser({
    onEvent(message) {
      if (message.data === '[DONE]') {
        done = true;
        return;
      }
      const chunk = JSON.parse(message.data) as ChatChunk;
      model = chunk.model ?? model;
      if (chunk.usage) usage = chunk.usage;
      const piece = chunk.choices?.[0]?.delta?.content;
      if (piece) {
        text += piece;
        onText(piece);
      }
    },
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!done) {
      const { done: ended, value } = await reader.read();
      if (ended) break;
      parser.feed(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { text, model, usage };
}
