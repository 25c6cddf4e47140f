/**
 * The OpenAI chat-completions wire format, streamed: the request body a client sends, the SSE
 * stream it gets back, and the deltas in it. Shared by the gateway (speaking to vLLM) and by the
 * providers whose endpoints speak it inside their own encryption (Tinfoil's EHBP bodies,
 * Privatemode's field-level encryption). Pure: no DOM, no chrome.*.
 */
import { ConfidantError } from '../errors.ts';
import type { ChatRequestBody } from './request.ts';

/** One streamed piece of the answer. `reasoning` is vLLM's `reasoning_content`; the last delta carries `finishReason`. */
export interface ChatDelta {
  reasoning?: string;
  content?: string;
  finishReason?: string | null;
  usage?: ChatUsage;
}

export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

/** The JSON body of POST /v1/chat/completions for `model`, streaming, with usage in the last chunk. */
export function openAiPayload(body: ChatRequestBody, model: string): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    model,
    messages: body.messages.map((m) => ({ role: m.role, content: m.content })),
    stream: true,
    stream_options: { include_usage: true },
  };
  for (const k of ['max_tokens', 'temperature', 'top_p', 'reasoning_effort'] as const) if (body[k] !== undefined) payload[k] = body[k];
  return payload;
}

function dataOf(block: string): string {
  return block
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).replace(/^ /, ''))
    .join('\n');
}

/** Reads an SSE body and yields each event's `data:` payload (without the prefix); comments and other fields are skipped. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let idx: number;
      while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + (buf[idx] === '\r' ? 4 : 2));
        const data = dataOf(block);
        if (data) yield data;
      }
    }
    buf += dec.decode();
    const tail = dataOf(buf);
    if (tail) yield tail;
  } finally {
    await reader.cancel().catch(() => {});
  }
}

interface OpenAiChunk {
  choices?: { delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown }; finish_reason?: unknown }[];
  usage?: unknown;
  error?: unknown;
}

/**
 * The deltas of an OpenAI chat-completions stream. `open` turns each event's data into the chunk's
 * JSON text (identity for a plain stream; decryption for Privatemode's). The stream must end with
 * `[DONE]`: inside an authenticated body that marker is what proves the answer is complete, so a
 * stream that stops before it is E_CHANNEL (truncated), never a short answer.
 */
export async function* openAiDeltas(datas: AsyncIterable<string>, open: (data: string) => Promise<string> | string = (d) => d): AsyncGenerator<ChatDelta> {
  let finish: string | null = null;
  let usage: ChatUsage | undefined;
  for await (const data of datas) {
    if (data.trim() === '[DONE]') {
      const last: ChatDelta = { finishReason: finish };
      if (usage) last.usage = usage;
      yield last;
      return;
    }
    let chunk: OpenAiChunk;
    try {
      chunk = JSON.parse(await open(data)) as OpenAiChunk;
    } catch (e) {
      if (e instanceof ConfidantError) throw e;
      throw new ConfidantError('E_CHANNEL', 'The answer stream carried an event that is not JSON.', { reason: 'payload' });
    }
    if (typeof chunk !== 'object' || chunk === null) throw new ConfidantError('E_CHANNEL', 'The answer stream carried an event that is not a JSON object.', { reason: 'payload' });
    if (chunk.error) throw new ConfidantError('E_UPSTREAM', 'The model failed mid-answer.', { authenticated: true });
    if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage as ChatUsage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!choice) continue;
    const d = choice.delta ?? {};
    const out: ChatDelta = {};
    const r = typeof d.reasoning_content === 'string' ? d.reasoning_content : typeof d.reasoning === 'string' ? d.reasoning : undefined;
    if (r) out.reasoning = r;
    if (typeof d.content === 'string' && d.content) out.content = d.content;
    if (typeof choice.finish_reason === 'string') finish = choice.finish_reason;
    if (out.reasoning !== undefined || out.content !== undefined) yield out;
  }
  throw new ConfidantError('E_CHANNEL', 'The answer stopped before its end marker: it was cut off on the way.', { reason: 'truncated' });
}
