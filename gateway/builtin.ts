/**
 * The built-in responder, used when no language model is configured (development): it says so
 * plainly, then quotes the sentences of the numbered sources that share the most terms with the
 * question (stop words removed) and cites their source as a model would ("[2]"), so citations in
 * development point at real passages. Without sources it quotes the conversation instead. The
 * answer is streamed in small chunks like a model's.
 */
import type { ChatRequestBody } from '../src/core/channel/request.ts';
import type { Upstream, UpstreamEvent } from './upstream.ts';

const STOP = new Set(
  'a an and are as at be by for from has have how i in is it its of on or that the this to was were what when where which who why will with you your do does did can could should would about into than then there these those they them their our we he she his her not no yes if but so'.split(
    ' ',
  ),
);

export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => t.length > 1 && !STOP.has(t));
}

export function splitPassages(context: string): string[] {
  const paras = context
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const p of paras) {
    if (p.length <= 600) {
      out.push(p);
      continue;
    }
    // long paragraphs: windows of sentences
    const sentences = p.match(/[^.!?]+[.!?]+(\s|$)|[^.!?]+$/g) ?? [p];
    let cur = '';
    for (const s of sentences) {
      if ((cur + s).length > 500 && cur) {
        out.push(cur.trim());
        cur = '';
      }
      cur += s;
    }
    if (cur.trim()) out.push(cur.trim());
  }
  return out;
}

export function rankPassages(question: string, context: string, k = 3): { passage: string; score: number }[] {
  const q = new Set(terms(question));
  return splitPassages(context)
    .map((passage) => {
      const t = terms(passage);
      const uniq = new Set(t);
      let hit = 0;
      for (const w of q) if (uniq.has(w)) hit++;
      return { passage, score: q.size ? hit / q.size + hit / Math.sqrt(t.length + 1) / 10 : 0 };
    })
    .filter((p) => p.score > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

export interface NumberedSource {
  n: number;
  text: string;
}

/**
 * The question and numbered sources of a user message as the extension builds it
 * (src/core/chat/prompt.ts: "Sources:", blank line, "[n] title — url" then the passage, blocks
 * separated by blank lines, then "Question: …"). Anything else is a question without sources.
 */
export function parseSources(user: string): { question: string; sources: NumberedSource[] } {
  const m = /^Sources:\n\n([\s\S]*)\n\nQuestion: ([\s\S]*)$/.exec(user);
  if (!m) return { question: user, sources: [] };
  const sources: NumberedSource[] = [];
  for (const x of m[1]!.matchAll(/(?:^|\n\n)\[(\d+)\] [^\n]*\n([\s\S]*?)(?=\n\n\[\d+\] |$)/g)) sources.push({ n: Number(x[1]), text: x[2]!.trim() });
  return { question: m[2]!, sources };
}

/** The one or two adjacent sentences of any source that best match the question, and its number. */
export function bestQuote(question: string, sources: readonly NumberedSource[]): { n: number; quote: string } | null {
  let best: { n: number; quote: string; score: number } | null = null;
  for (const src of sources) {
    const sentences = (src.text.replace(/\s+/g, ' ').match(/[^.!?]+[.!?]+(?=\s|$)|[^.!?]+$/g) ?? []).map((x) => x.trim()).filter(Boolean);
    for (let i = 0; i < sentences.length; i++) {
      for (const quote of [sentences[i]!, sentences.slice(i, i + 2).join(' ')]) {
        const { score } = rankPassages(question, quote, 1)[0] ?? { score: 0 };
        if (score > 0 && (!best || score > best.score + 1e-9)) best = { n: src.n, quote, score };
      }
    }
  }
  return best && { n: best.n, quote: best.quote };
}

const PREFIX = 'No language model is configured on this gateway, so this is not a generated answer. ';

/** The built-in answer to a conversation (see the module comment). */
export function builtinAnswer(messages: ReadonlyArray<{ role: string; content: string }>): { text: string; reasoning: string } {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const { question, sources } = parseSources(lastUser?.content ?? '');
  if (sources.length) {
    const best = bestQuote(question, sources);
    if (!best) return { text: `${PREFIX}No source shares words with your question.`, reasoning: `Compared the question with ${sources.length} sources by the words they share.` };
    return {
      text: `${PREFIX}The closest sentence to your question is in source ${best.n}:\n\n> ${best.quote} [${best.n}]`,
      reasoning: `Compared the question with ${sources.length} sources by the words they share; source ${best.n} matched best.`,
    };
  }
  const context = messages
    .filter((m) => m !== lastUser && m.role !== 'system')
    .map((m) => m.content)
    .join('\n\n');
  const ranked = rankPassages(question, context);
  const text = ranked.length
    ? `${PREFIX}These passages of the conversation share the most words with your question:\n\n${ranked.map((r) => `> ${r.passage}`).join('\n\n')}`
    : `${PREFIX}No passage of the conversation shares words with your question.`;
  return { text, reasoning: `Scored ${splitPassages(context).length} passages by term overlap with the question.` };
}

export class BuiltinResponder implements Upstream {
  readonly model = 'confidant-builtin-quoter';
  readonly describe = 'built-in responder (no language model configured)';
  constructor(private readonly chunkDelayMs = 0) {}

  async chat(body: ChatRequestBody, signal: AbortSignal): Promise<AsyncIterable<UpstreamEvent>> {
    const { text, reasoning } = builtinAnswer(body.messages);
    const delay = this.chunkDelayMs;
    const words = text.match(/\S+\s*/g) ?? [text];
    async function* gen(): AsyncGenerator<UpstreamEvent> {
      yield { reasoning };
      for (let i = 0; i < words.length; i += 4) {
        if (signal.aborted) return;
        if (delay) await new Promise((r) => setTimeout(r, delay));
        yield { content: words.slice(i, i + 4).join('') };
      }
      yield { finishReason: 'stop' };
    }
    return gen();
  }
}
