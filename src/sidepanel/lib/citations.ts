/**
 * Citations in an answer: the model cites passage n as [n] (also [1, 2] or [1][2]). These
 * helpers split text into plain runs and citation markers, list which sources were cited, and
 * separate reasoning a model wrote inline (<think>…</think>) from the answer.
 */

export type Segment = { kind: 'text'; text: string } | { kind: 'cite'; n: number; raw: string };

const CITE = /\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]/g;

/**
 * Splits `text` at citation markers whose numbers are all within 1..max. Markers naming a
 * source that does not exist stay plain text (a model can invent "[7]" with 5 sources).
 */
export function splitCitations(text: string, max: number): Segment[] {
  const out: Segment[] = [];
  if (max < 1) return text ? [{ kind: 'text', text }] : [];
  let last = 0;
  for (const m of text.matchAll(CITE)) {
    const nums = m[1]!.split(/\s*[,;]\s*/).map(Number);
    if (!nums.every((n) => n >= 1 && n <= max)) continue;
    // "[x](url)" is a Markdown link, not a citation; the parser has already taken those, but
    // guard against a raw "[1](" that reaches us as text.
    if (text[m.index! + m[0].length] === '(') continue;
    if (m.index! > last) out.push({ kind: 'text', text: text.slice(last, m.index) });
    for (const n of nums) out.push({ kind: 'cite', n, raw: `[${n}]` });
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

/** The source numbers an answer cites, in order of first citation, each once. */
export function citedNumbers(text: string, max: number): number[] {
  const seen: number[] = [];
  for (const s of splitCitations(text, max)) if (s.kind === 'cite' && !seen.includes(s.n)) seen.push(s.n);
  return seen;
}

/**
 * Some models write their reasoning inline between <think> and </think>. Split it out so it can
 * be folded away. While streaming, an unclosed <think> means everything after it is reasoning.
 */
export function splitReasoning(content: string): { reasoning: string; answer: string } {
  const open = content.indexOf('<think>');
  if (open === -1 || content.slice(0, open).trim() !== '') return { reasoning: '', answer: content };
  const close = content.indexOf('</think>', open);
  if (close === -1) return { reasoning: content.slice(open + 7).trim(), answer: '' };
  return { reasoning: content.slice(open + 7, close).trim(), answer: content.slice(close + 8).trimStart() };
}

/**
 * A link that opens `url` scrolled to `quote` with Chrome's text fragments (#:~:text=start,end),
 * so a citation to another page lands on the passage without any permission to read that page.
 * Words are taken only where they are plain (Markdown marks and symbols dropped).
 */
export function textFragmentUrl(url: string, quote: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return url;
  const words = quote
    .replace(/[#*_`>|[\]]+/g, ' ')
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) return u.href;
  const enc = (s: string) => encodeURIComponent(s).replace(/-/g, '%2D').replace(/,/g, '%2C').replace(/&/g, '%26');
  const frag = words.length <= 8 ? enc(words.join(' ')) : `${enc(words.slice(0, 4).join(' '))},${enc(words.slice(-4).join(' '))}`;
  u.hash = '';
  return `${u.href}#:~:text=${frag}`;
}
