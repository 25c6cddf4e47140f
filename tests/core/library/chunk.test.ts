import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkDocument, chunkBlocks, type Chunk, type ChunkOptions } from '../../../src/core/library/chunk.ts';
import { parseBlocks, cleanText } from '../../../src/core/library/markdown.ts';

/** A WordPiece-like count: words and punctuation marks, long words in pieces of 6 letters. */
function wordpieceish(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)) n += Math.ceil(m[0].length / 6);
  return n;
}

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);

/** The invariants every chunking must keep. */
function checkChunks(source: string, chunks: Chunk[], opts: ChunkOptions): void {
  const max = opts.maxTokens ?? 254;
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(source.slice(c.start, c.end)).toBe(c.text);
    expect(c.text.length).toBeGreaterThan(0);
    expect(c.text).toBe(c.text.trim());
    expect(c.tokens).toBe(opts.countTokens(c.embedText));
    expect(c.tokens).toBeLessThanOrEqual(max);
    expect(c.embedText).toBe(c.headings.length ? `${c.headings.join(' > ')}\n\n${c.text}` : c.text);
    // never mid-word: whitespace (or the text's edge) on both sides
    expect(isSpace(source[c.start - 1]), `chunk ${i} starts mid-word`).toBe(true);
    expect(isSpace(source[c.end]), `chunk ${i} ends mid-word`).toBe(true);
    if (i > 0) expect(c.start).toBeGreaterThanOrEqual(chunks[i - 1]!.start);
  });
}

/** Every non-space character of every non-heading block lies in some chunk. */
function checkCoverage(source: string, chunks: Chunk[], format: 'markdown' | 'plain' = 'markdown'): void {
  const covered = new Uint8Array(source.length);
  for (const c of chunks) covered.fill(1, c.start, c.end);
  for (const b of parseBlocks(source, format)) {
    if (b.kind === 'heading') continue;
    for (let i = b.start; i < b.end; i++) if (!isSpace(source[i]) && !covered[i]) throw new Error(`character ${i} (${JSON.stringify(source.slice(i, i + 20))}) is in no chunk`);
  }
}

function sentences(n: number, seed = 1): string {
  const words = 'the library keeps private pages local and searches them with small vectors while answers cite exact passages'.split(' ');
  let s = seed;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = 6 + (i % 11);
    const w: string[] = [];
    for (let j = 0; j < len; j++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      w.push(words[s % words.length]!);
    }
    out.push(w.join(' ').replace(/^./, (c) => c.toUpperCase()) + '.');
  }
  return out.join(' ');
}

const OPTS: ChunkOptions = { countTokens: wordpieceish, targetTokens: 64, maxTokens: 80, overlapTokens: 12 };

describe('chunkDocument', () => {
  it('keeps the heading path for embedding but points offsets at the passage', () => {
    const src = `# Guide\n\nWelcome text.\n\n## Setup\n\n${sentences(3)}\n\n### Keys\n\nKey text here.\n\n# Other\n\nOther text.`;
    const chunks = chunkDocument(src, OPTS);
    checkChunks(src, chunks, OPTS);
    checkCoverage(src, chunks);
    expect(chunks.map((c) => c.headings)).toEqual([['Guide'], ['Guide', 'Setup'], ['Guide', 'Setup', 'Keys'], ['Other']]);
    expect(chunks[2]!.embedText).toBe('Guide > Setup > Keys\n\nKey text here.');
    expect(chunks[2]!.text).toBe('Key text here.');
  });

  it('packs whole blocks and cuts at block boundaries when it can', () => {
    // paragraphs of ~20 tokens: three fit the 64-token target, a fourth does not
    const paras = Array.from({ length: 9 }, (_, i) => sentences(2, i + 1));
    const src = paras.join('\n\n');
    const chunks = chunkDocument(src, OPTS);
    checkChunks(src, chunks, OPTS);
    checkCoverage(src, chunks);
    for (const c of chunks) {
      // every chunk is a run of whole paragraphs
      expect(paras.some((p) => c.text.startsWith(p))).toBe(true);
      expect(paras.some((p) => c.text.endsWith(p))).toBe(true);
    }
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.start).toBeGreaterThanOrEqual(chunks[i - 1]!.end); // no overlap at block cuts
  });

  it('overlaps whole words when it must cut inside a block', () => {
    const src = sentences(60);
    const chunks = chunkDocument(src, OPTS);
    checkChunks(src, chunks, OPTS);
    checkCoverage(src, chunks);
    expect(chunks.length).toBeGreaterThan(5);
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!;
      const cur = chunks[i]!;
      expect(cur.start).toBeLessThan(prev.end);
      const shared = src.slice(cur.start, prev.end);
      expect(wordpieceish(shared)).toBeGreaterThan(0);
      expect(wordpieceish(shared)).toBeLessThanOrEqual(OPTS.overlapTokens!);
      // and the chunks are reasonably full
      expect(prev.tokens).toBeGreaterThan(OPTS.targetTokens! / 2);
    }
  });

  it('never overlaps across sections', () => {
    const src = `# A\n\n${sentences(30, 3)}\n\n# B\n\n${sentences(30, 4)}`;
    const chunks = chunkDocument(src, OPTS);
    checkChunks(src, chunks, OPTS);
    const firstB = chunks.findIndex((c) => c.headings[0] === 'B');
    expect(chunks[firstB]!.start).toBeGreaterThan(chunks[firstB - 1]!.end);
    expect(src.slice(chunks[firstB - 1]!.end, chunks[firstB]!.start)).toContain('# B');
  });

  it('splits a sentence without punctuation between words, and a giant word as a last resort', () => {
    const run = Array.from({ length: 800 }, (_, i) => `word${i}`).join(' ');
    const giant = 'x'.repeat(3000);
    for (const src of [run, `${run}\n\n${giant}\n\nafter`]) {
      const chunks = chunkDocument(src, OPTS);
      expect(chunks.every((c) => c.tokens <= OPTS.maxTokens!)).toBe(true);
      checkCoverage(src, chunks);
      if (src === run) checkChunks(src, chunks, OPTS);
    }
  });

  it('keeps list items, code lines and table rows whole', () => {
    const items = Array.from({ length: 40 }, (_, i) => `- item ${i} ${sentences(1, i)}`).join('\n');
    const code = '```\n' + Array.from({ length: 60 }, (_, i) => `let v${i} = compute(${i});`).join('\n') + '\n```';
    const src = `${items}\n\n${code}`;
    const chunks = chunkDocument(src, OPTS);
    checkChunks(src, chunks, OPTS);
    checkCoverage(src, chunks);
    for (const c of chunks) {
      const first = c.text.split('\n')[0]!;
      expect(first.startsWith('- item') || first.startsWith('let v') || first.startsWith('```') || /^\S/.test(first)).toBe(true);
    }
  });

  it('handles empty input, plain text, and refuses text that was not cleaned', () => {
    expect(chunkDocument('', OPTS)).toEqual([]);
    expect(chunkDocument(' \n\n ', OPTS)).toEqual([]);
    const plain = `# not a heading\n${sentences(20)}`;
    const chunks = chunkDocument(plain, { ...OPTS, format: 'plain' });
    checkChunks(plain, chunks, OPTS);
    checkCoverage(plain, chunks, 'plain');
    expect(chunks.every((c) => c.headings.length === 0)).toBe(true);
    expect(() => chunkDocument('a\u0000b', OPTS)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(() => chunkDocument('a\r\nb', OPTS)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(chunkDocument(cleanText('a\r\nb'), OPTS).map((c) => c.text)).toEqual(['a\nb']);
  });

  it('refuses bad options and blocks that do not match the source', () => {
    expect(() => chunkDocument('x', { ...OPTS, maxTokens: 10 })).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(() => chunkDocument('x', { ...OPTS, overlapTokens: 40 })).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
    expect(() => chunkBlocks('hello world', [{ kind: 'paragraph', text: 'hello', start: 1, end: 6 }], OPTS)).toThrow(
      expect.objectContaining({ code: 'E_BAD_REQUEST' }),
    );
    expect(() =>
      chunkBlocks('hello world', [{ kind: 'paragraph', text: 'world', start: 6, end: 11 }, { kind: 'paragraph', text: 'hello', start: 0, end: 5 }], OPTS),
    ).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }));
  });

  it('takes blocks from elsewhere (a DOM extractor), with their offsets', () => {
    const src = 'Title\nFirst paragraph here.\nSecond one.';
    const blocks = [
      { kind: 'heading' as const, text: 'Title', start: 0, end: 5, level: 1 },
      { kind: 'paragraph' as const, text: 'First paragraph here.', start: 6, end: 27 },
      { kind: 'paragraph' as const, text: 'Second one.', start: 28, end: 39 },
    ];
    const chunks = chunkBlocks(src, blocks, OPTS);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ start: 6, end: 39, headings: ['Title'], text: 'First paragraph here.\nSecond one.' });
  });

  it('chunks 5 MB with linear tokenizer work', () => {
    const section = (i: number) => `## Section ${i}\n\n${sentences(12, i)}\n\n- a list item ${i}\n- another one\n\n${sentences(30, i + 7)}\n\n`;
    const parts: string[] = ['# Big\n\n'];
    let len = 0;
    for (let i = 0; len < 5_000_000; i++) {
      parts.push(section(i));
      len += parts.at(-1)!.length;
    }
    const src = parts.join('');
    let calls = 0;
    let chars = 0;
    const countTokens = (t: string) => {
      calls++;
      chars += t.length;
      return wordpieceish(t);
    };
    const t0 = performance.now();
    const chunks = chunkDocument(src, { countTokens });
    const ms = performance.now() - t0;
    // Each character goes through the tokenizer a small, fixed number of times (its piece, its
    // chunk, overlap words): work proportional to the input, never to its square.
    expect(chars).toBeLessThan(3 * src.length);
    expect(chunks.every((c) => c.tokens <= 254)).toBe(true);
    console.log(
      `chunkDocument: ${(src.length / 1e6).toFixed(1)} MB → ${chunks.length} chunks in ${ms.toFixed(0)} ms, ` +
        `${calls} countTokens calls over ${(chars / src.length).toFixed(2)}× the text (informational)`,
    );
  });
});

describe('with the real WordPiece tokenizer', () => {
  let root = '';
  let countTokens: (t: string) => number;

  beforeAll(async () => {
    const { makeTestModels, TINY } = await import('../../../scripts/make-test-models.ts');
    const { AutoTokenizer, env } = await import('@huggingface/transformers');
    root = await mkdtemp(join(tmpdir(), 'confidant-tok-'));
    await makeTestModels(root, { specs: [TINY] });
    env.localModelPath = root;
    env.allowRemoteModels = false;
    const tok = await AutoTokenizer.from_pretrained(TINY.id);
    countTokens = (t) => tok.encode(t, { add_special_tokens: false }).length;
  });

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('keeps every chunk within the model budget, counted by the model tokenizer', () => {
    const src = `# Encrypted library\n\n${sentences(80)}\n\n## Retrieval, fusion & citations\n\n${sentences(80, 9)}\n\nhttps://example.com/a/very/long/url?with=query&and=more ${'x'.repeat(300)} done.`;
    const opts = { countTokens, targetTokens: 128, maxTokens: 160, overlapTokens: 16 };
    const chunks = chunkDocument(src, opts);
    checkChunks(src, chunks, opts);
    checkCoverage(src, chunks);
    expect(chunks.length).toBeGreaterThan(4);
  });
});
