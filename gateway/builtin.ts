/**
 * The built-in responder, used when no language model is configured: it says so plainly, then
 * quotes the passages of the given context that share the most terms with the question (term
 * overlap, stop words removed), streamed in small chunks like a model would.
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

export class BuiltinResponder implements Upstream {
  readonly model = 'confidant-builtin-quoter';
  readonly describe = 'built-in responder (no language model configured)';
  constructor(private readonly chunkDelayMs = 0) {}

  async chat(body: ChatRequestBody, signal: AbortSignal): Promise<AsyncIterable<UpstreamEvent>> {
    const msgs = body.messages;
    const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
    const question = lastUser?.content ?? '';
    const context = msgs
      .filter((m) => m !== lastUser)
      .map((m) => m.content)
      .concat(lastUser ? [lastUser.content] : [])
      .join('\n\n');
    const ranked = rankPassages(question.split('\n\n').pop() ?? question, context);
    let text = 'No language model is configured on this gateway, so this is not a generated answer. ';
    if (ranked.length) {
      text += 'These passages of the context share the most words with your question:\n\n';
      text += ranked.map((r) => `> ${r.passage}`).join('\n\n');
    } else {
      text += 'No passage of the context shares words with your question.';
    }
    const delay = this.chunkDelayMs;
    const words = text.match(/\S+\s*/g) ?? [text];
    async function* gen(): AsyncGenerator<UpstreamEvent> {
      yield { reasoning: `Scored ${splitPassages(context).length} passages by term overlap with the question.` };
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
