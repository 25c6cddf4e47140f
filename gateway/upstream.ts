/**
 * Upstreams the gateway forwards to. All speak one event shape; errors before the first event are
 * UpstreamErrors (the gateway turns them into sealed HTTP errors), errors after it end the stream
 * with a sealed ERROR frame.
 */
import type { ChatRequestBody } from '../src/core/channel/request.ts';
import { openAiPayload, sseData } from '../src/core/channel/openai.ts';

export interface UpstreamEvent {
  reasoning?: string;
  content?: string;
  /** Present on the last event. */
  finishReason?: string | null;
  usage?: Record<string, number>;
}

export interface Upstream {
  readonly model: string;
  readonly describe: string;
  /** Resolves once the upstream accepted the request; the iterable then yields the stream. */
  chat(body: ChatRequestBody, signal: AbortSignal): Promise<AsyncIterable<UpstreamEvent>>;
}

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

function baseUrl(u: string): string {
  return u.replace(/\/+$/, '').replace(/\/v1$/, '');
}

function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return parseInt(v, 10);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.ceil((t - Date.now()) / 1000));
}

/** An OpenAI-compatible server (vLLM, Ollama, the test stand-in) with `stream: true`. */
export class OpenAiUpstream implements Upstream {
  readonly describe: string;
  private readonly base: string;
  constructor(
    url: string,
    readonly model: string,
    private readonly apiKey?: string,
  ) {
    this.base = baseUrl(url);
    this.describe = `${this.base} (model ${model})`;
  }

  async chat(body: ChatRequestBody, signal: AbortSignal): Promise<AsyncIterable<UpstreamEvent>> {
    const payload = openAiPayload(body, this.model);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(payload), signal });
    } catch (e) {
      if (signal.aborted) throw e;
      throw new UpstreamError(502, 'The language model server cannot be reached.');
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new UpstreamError(res.status, `The language model server answered HTTP ${res.status}.`, parseRetryAfter(res.headers.get('retry-after')));
    }
    return this.events(res.body);
  }

  private async *events(body: ReadableStream<Uint8Array>): AsyncGenerator<UpstreamEvent> {
    let finish: string | null | undefined;
    let usage: Record<string, number> | undefined;
    let complete = false;
    for await (const data of sseData(body)) {
      if (data.trim() === '[DONE]') {
        complete = true;
        break;
      }
      let chunk: { choices?: { delta?: { content?: unknown; reasoning_content?: unknown; reasoning?: unknown }; finish_reason?: unknown }[]; usage?: unknown; error?: unknown };
      try {
        chunk = JSON.parse(data);
      } catch {
        throw new UpstreamError(502, 'The language model server sent a malformed event.');
      }
      if (chunk.error) throw new UpstreamError(502, 'The language model server failed mid-answer.');
      if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage as Record<string, number>;
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const d = choice.delta ?? {};
      const ev: UpstreamEvent = {};
      const r = typeof d.reasoning_content === 'string' ? d.reasoning_content : typeof d.reasoning === 'string' ? d.reasoning : undefined;
      if (r) ev.reasoning = r;
      if (typeof d.content === 'string' && d.content) ev.content = d.content;
      if (typeof choice.finish_reason === 'string') finish = choice.finish_reason;
      if (ev.reasoning !== undefined || ev.content !== undefined) yield ev;
    }
    // A stream that stops before [DONE] is a failure (a crash, a cut connection), never a complete
    // answer: the gateway then ends the client's stream with a sealed ERROR frame, not END.
    if (!complete) throw new UpstreamError(502, 'The language model server stopped before the end of its answer.');
    const last: UpstreamEvent = { finishReason: finish ?? null };
    if (usage) last.usage = usage;
    yield last;
  }
}

/** True when something answers like Ollama at `url` within `timeoutMs`. */
export async function ollamaAnswers(url: string, timeoutMs = 500): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl(url)}/api/version`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel().catch(() => {});
    return res.ok;
  } catch {
    return false;
  }
}

/** The first model id an OpenAI-compatible server lists, or undefined. */
export async function firstModel(url: string, apiKey?: string, timeoutMs = 2000): Promise<string | undefined> {
  try {
    const res = await fetch(`${baseUrl(url)}/v1/models`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return undefined;
    const j = (await res.json()) as { data?: { id?: unknown }[] };
    const id = j.data?.[0]?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
