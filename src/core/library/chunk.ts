/**
 * Splits a document into passages to embed, following its structure and sized in the embedding
 * model's own tokens. Pure; linear in the text's length.
 *
 * Rules, in order of precedence:
 *  1. A heading ends the chunk before it and starts a new section; chunks never span sections.
 *     The heading path ("Guide > Setup > Keys") is prepended to the text that is embedded
 *     (`embedText`), never to the passage itself: `start`/`end` index the exact source passage
 *     and `text === source.slice(start, end)`, so an answer can cite and highlight it.
 *  2. Blocks are packed whole while they fit `targetTokens`. When the next piece does not fit,
 *     the chunk ends at the last block boundary if that keeps it at least half full; otherwise it
 *     ends between two sentences (list items, code or table lines) of the same block.
 *  3. A cut inside a block repeats up to `overlapTokens` of whole words from the end of one chunk
 *     at the start of the next. Cuts at block or section boundaries have no overlap.
 *  4. A sentence longer than the budget is cut between words; a single "word" longer than the
 *     budget (a base64 blob, for a tokenizer that counts it in many tokens) is the one place a cut
 *     may fall inside a word. BERT's WordPiece counts any word over 100 characters as one [UNK],
 *     so with it this never happens.
 *  5. Every chunk's `countTokens(embedText)` is at most `maxTokens`; this is checked, not assumed.
 *
 * `countTokens(text)` should count the model's tokens without [CLS]/[SEP]; with the defaults a
 * chunk plus those two fits all-MiniLM-L6-v2's 256-token window. Token counts of pieces split at
 * whitespace add up exactly under WordPiece, which is what makes one count per piece enough; the
 * final check (rule 5) covers tokenizers for which they do not.
 */
import { ConfidantError } from '../errors.ts';
import { needsCleaning, parseBlocks, type Block, type TextFormat } from './markdown.ts';

export interface ChunkOptions {
  countTokens: (text: string) => number;
  /** Packing target for heading path + passage. Default 192. */
  targetTokens?: number;
  /** Hard limit for heading path + passage. Default 254 (256 minus [CLS] and [SEP]). */
  maxTokens?: number;
  /** Words repeated across a cut inside a block. Default 32. */
  overlapTokens?: number;
}

export interface Chunk {
  index: number;
  /** Offsets into the source text; `text === source.slice(start, end)`. */
  start: number;
  end: number;
  text: string;
  /** Titles of the enclosing headings, outermost first. */
  headings: string[];
  /** What to embed: the heading path, a blank line, then the passage (or just the passage). */
  embedText: string;
  /** countTokens(embedText) */
  tokens: number;
}

export const DEFAULT_TARGET_TOKENS = 192;
export const DEFAULT_MAX_TOKENS = 254;
export const DEFAULT_OVERLAP_TOKENS = 32;
const HEADING_SEPARATOR = ' > ';

/** Parses (markdown.ts) and chunks in one step. `source` must already be cleaned (cleanText). */
export function chunkDocument(source: string, opts: ChunkOptions & { format?: TextFormat }): Chunk[] {
  return chunkBlocks(source, parseBlocks(source, opts.format ?? 'markdown'), opts);
}

interface Unit {
  start: number;
  end: number;
  tokens: number;
  /** First piece of its block: a cut before it is a block boundary. */
  blockStart: boolean;
  /** Where its block starts: overlap never reaches before it. */
  blockFrom: number;
}

export function chunkBlocks(source: string, blocks: readonly Block[], opts: ChunkOptions): Chunk[] {
  checkSource(source);
  const count = opts.countTokens;
  const target = opts.targetTokens ?? DEFAULT_TARGET_TOKENS;
  const max = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
  const overlap = opts.overlapTokens ?? DEFAULT_OVERLAP_TOKENS;
  if (typeof count !== 'function') throw new ConfidantError('E_BAD_REQUEST', 'countTokens must be a function');
  if (!(Number.isInteger(target) && Number.isInteger(max) && Number.isInteger(overlap) && target >= 8 && max >= target && overlap >= 0 && overlap < target / 2)) {
    throw new ConfidantError('E_BAD_REQUEST', `want 8 <= targetTokens <= maxTokens and 0 <= overlapTokens < targetTokens / 2, got ${target}, ${max}, ${overlap}`);
  }
  checkBlocks(source, blocks);

  const chunks: Chunk[] = [];
  const stack: { level: number; text: string }[] = [];
  let headings: string[] = [];
  let prefix = '';
  let prefixTokens = 0;
  let budget = target;

  // The chunk being filled: its pieces and their token sum.
  let cur: Unit[] = [];
  let curTokens = 0;

  const emit = (units: Unit[]): void => {
    if (units.length === 0) return;
    const make = (n: number) => {
      const start = units[0]!.start;
      const end = units[n - 1]!.end;
      const text = source.slice(start, end);
      const embedText = prefix ? prefix + '\n\n' + text : text;
      return { index: chunks.length, start, end, text, headings, embedText, tokens: count(embedText) };
    };
    // Rule 5: if the pieces' counts did not add up, end the chunk earlier and emit the rest after.
    let n = units.length;
    let c = make(n);
    while (c.tokens > max && n > 1) c = make(--n);
    if (c.tokens <= max) {
      chunks.push(c);
      emit(units.slice(n));
      return;
    }
    // One piece over the limit although it was counted within budget: cut it by characters.
    const only = units[0]!;
    if (only.end - only.start <= 2) {
      throw new ConfidantError('E_BAD_REQUEST', `countTokens gives ${c.tokens} tokens for one character plus the heading path; maxTokens is ${max}`);
    }
    emit(charPieces(only.start, only.end, Math.max(1, Math.floor(budget / 2))).map((p) => ({ ...p, blockStart: false, blockFrom: only.blockFrom })));
  };

  const flush = (): void => {
    emit(cur);
    cur = [];
    curTokens = 0;
  };

  /** Whole words at the end of `units`, within the last piece's block, worth at most `overlap` tokens. */
  const overlapTail = (last: Unit, floor: number): Unit | null => {
    if (overlap === 0) return null;
    const from0 = Math.max(last.blockFrom, floor);
    let tokens = 0;
    let from = last.end;
    let pos = last.end;
    let words = 0;
    while (pos > from0 && words < overlap * 4) {
      // the word ending at or before pos
      let e = pos;
      while (e > from0 && isSpace(source.charCodeAt(e - 1))) e--;
      let s = e;
      while (s > from0 && !isSpace(source.charCodeAt(s - 1))) s--;
      if (s === e) break;
      const t = count(source.slice(s, e));
      if (tokens + t > overlap) break;
      tokens += t;
      from = s;
      pos = s;
      words++;
    }
    if (from >= last.end || tokens === 0) return null;
    return { start: from, end: last.end, tokens, blockStart: false, blockFrom: last.blockFrom };
  };

  const add = (u: Unit): void => {
    if (cur.length === 0 || curTokens + u.tokens <= budget) {
      cur.push(u);
      curTokens += u.tokens;
      return;
    }
    // Rule 2: prefer the last block boundary if the chunk stays at least half full.
    let b = cur.length - 1;
    let before = curTokens - cur[b]!.tokens;
    while (b > 0 && !cur[b]!.blockStart) {
      b--;
      before -= cur[b]!.tokens;
    }
    if (b > 0 && before >= budget / 2) {
      const rest = cur.slice(b);
      emit(cur.slice(0, b));
      cur = [];
      curTokens = 0;
      for (const r of rest) add(r);
      add(u);
      return;
    }
    const last = cur[cur.length - 1]!;
    const tail = u.blockStart ? null : overlapTail(last, cur[0]!.start);
    flush();
    if (tail && tail.tokens + u.tokens <= budget) {
      cur.push(tail);
      curTokens = tail.tokens;
    }
    cur.push(u);
    curTokens += u.tokens;
  };

  /** Pieces of one block, each at most `budget` tokens (rule 4). */
  const pieces = (b: Block): Unit[] => {
    const spans = b.kind === 'paragraph' || b.kind === 'quote' ? sentenceSpans(source, b.start, b.end) : lineSpans(source, b.start, b.end, b.kind === 'list');
    const out: Unit[] = [];
    for (const [s, e] of spans) {
      const t = count(source.slice(s, e));
      if (t <= budget) out.push({ start: s, end: e, tokens: t, blockStart: false, blockFrom: b.start });
      else for (const p of splitLong(s, e)) out.push({ ...p, blockStart: false, blockFrom: b.start });
    }
    if (out.length > 0) out[0]!.blockStart = true;
    return out;
  };

  /** A span over budget: word-aligned windows, then words, then characters. */
  const splitLong = (s: number, e: number): { start: number; end: number; tokens: number }[] => {
    const out: { start: number; end: number; tokens: number }[] = [];
    const windowChars = Math.max(16, budget);
    for (const [ws, we] of wordWindows(source, s, e, windowChars)) {
      const t = count(source.slice(ws, we));
      if (t <= budget) {
        out.push({ start: ws, end: we, tokens: t });
        continue;
      }
      for (const [a, z] of wordWindows(source, ws, we, 1)) {
        const wt = count(source.slice(a, z));
        if (wt <= budget) out.push({ start: a, end: z, tokens: wt });
        else for (const p of charPieces(a, z, budget)) out.push(p);
      }
    }
    return out;
  };

  const charPieces = (s: number, e: number, limit: number): { start: number; end: number; tokens: number }[] => {
    const out: { start: number; end: number; tokens: number }[] = [];
    let step = Math.max(1, limit);
    let a = s;
    while (a < e) {
      let z = Math.min(e, a + step);
      if (z < e && isLowSurrogate(source.charCodeAt(z))) z--; // keep surrogate pairs whole
      if (z <= a) z = Math.min(e, a + 2);
      const t = count(source.slice(a, z));
      if (t > limit && z - a > 1) {
        step = Math.max(1, Math.floor(step / 2));
        continue;
      }
      out.push({ start: a, end: z, tokens: t });
      a = z;
    }
    return out;
  };

  const setSection = (): void => {
    // Rule 1 and the heading prefix: drop outer headings while the path takes over half the limit.
    let path = stack.map((h) => h.text);
    let p = path.join(HEADING_SEPARATOR);
    let pt = p ? count(p) : 0;
    while (path.length > 0 && pt > max / 2) {
      path = path.slice(1);
      p = path.join(HEADING_SEPARATOR);
      pt = p ? count(p) : 0;
    }
    headings = path;
    prefix = p;
    // "\n\n" between path and passage counts as nothing for WordPiece; rule 5 checks the rest.
    prefixTokens = pt;
    budget = Math.max(8, target - prefixTokens);
  };

  for (const b of blocks) {
    if (b.kind === 'heading') {
      flush();
      const level = b.level ?? 1;
      while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
      stack.push({ level, text: b.text.replace(/\s+/g, ' ') });
      setSection();
      continue;
    }
    for (const u of pieces(b)) add(u);
  }
  flush();
  return chunks;
}

// ---------------------------------------------------------------------------------------------

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0xfeff || c === 0x1680;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function trimmed(source: string, s: number, e: number): [number, number] | null {
  while (s < e && isSpace(source.charCodeAt(s))) s++;
  while (e > s && isSpace(source.charCodeAt(e - 1))) e--;
  return s < e ? [s, e] : null;
}

// A sentence ends after . ! ? … or CJK full stops, and any closing quotes or brackets, before space.
const SENTENCE_END = /[.!?\u2026\u3002\uff01\uff1f]+["'\u201d\u2019)\]]*(?=\s)/g;

/** Sentences of [s, e), trimmed. */
export function sentenceSpans(source: string, s: number, e: number): [number, number][] {
  const out: [number, number][] = [];
  let from = s;
  SENTENCE_END.lastIndex = s;
  for (let m = SENTENCE_END.exec(source); m && m.index < e; m = SENTENCE_END.exec(source)) {
    const to = Math.min(e, m.index + m[0].length);
    const span = trimmed(source, from, to);
    if (span) out.push(span);
    from = to;
  }
  const span = trimmed(source, from, e);
  if (span) out.push(span);
  return out;
}

const ITEM_START = /^[ \t]{0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/;

/** Lines of [s, e), trimmed; for lists, an item with its continuation lines. */
function lineSpans(source: string, s: number, e: number, items: boolean): [number, number][] {
  const out: [number, number][] = [];
  let lineStart = s;
  let unitStart = s;
  while (lineStart < e) {
    let lineEnd = source.indexOf('\n', lineStart);
    if (lineEnd < 0 || lineEnd > e) lineEnd = e;
    if (!items || ITEM_START.test(source.slice(lineStart, Math.min(lineEnd, lineStart + 16)))) {
      if (lineStart > unitStart) {
        const span = trimmed(source, unitStart, lineStart);
        if (span) out.push(span);
      }
      unitStart = lineStart;
    }
    if (!items) {
      const span = trimmed(source, lineStart, lineEnd);
      if (span) out.push(span);
      unitStart = lineEnd;
    }
    lineStart = lineEnd + 1;
  }
  if (items) {
    const span = trimmed(source, unitStart, e);
    if (span) out.push(span);
  }
  return out;
}

/** Word-aligned windows of [s, e) of about `chars` characters (at least one word each). */
function wordWindows(source: string, s: number, e: number, chars: number): [number, number][] {
  const out: [number, number][] = [];
  let a = s;
  while (a < e) {
    while (a < e && isSpace(source.charCodeAt(a))) a++;
    if (a >= e) break;
    let z = a;
    let lastWordEnd = -1;
    while (z < e) {
      while (z < e && !isSpace(source.charCodeAt(z))) z++;
      lastWordEnd = z;
      if (z - a >= chars) break;
      while (z < e && isSpace(source.charCodeAt(z))) z++;
    }
    out.push([a, lastWordEnd]);
    a = lastWordEnd;
  }
  return out;
}

function checkSource(source: string): void {
  if (typeof source !== 'string') throw new ConfidantError('E_BAD_REQUEST', 'source must be a string');
  if (needsCleaning(source)) {
    throw new ConfidantError('E_BAD_REQUEST', 'source has control characters, CR or invalid UTF-16: pass it through cleanText first');
  }
}

function checkBlocks(source: string, blocks: readonly Block[]): void {
  let prevEnd = 0;
  blocks.forEach((b, i) => {
    if (!Number.isInteger(b.start) || !Number.isInteger(b.end) || b.start < prevEnd || b.end < b.start || b.end > source.length) {
      throw new ConfidantError('E_BAD_REQUEST', `block ${i} has offsets [${b.start}, ${b.end}) out of order or outside the source`);
    }
    if (b.text.length !== b.end - b.start || !source.startsWith(b.text, b.start)) {
      throw new ConfidantError('E_BAD_REQUEST', `block ${i}'s text is not source.slice(${b.start}, ${b.end})`);
    }
    prevEnd = b.end;
  });
}
