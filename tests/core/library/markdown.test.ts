import { describe, it, expect } from 'vitest';
import { parseBlocks, cleanText, needsCleaning, type Block } from '../../../src/core/library/markdown.ts';

function kinds(blocks: Block[]): string[] {
  return blocks.map((b) => (b.kind === 'heading' ? `h${b.level}:${b.text}` : b.kind));
}

function expectSlices(source: string, blocks: Block[]): void {
  for (const b of blocks) {
    expect(source.slice(b.start, b.end)).toBe(b.text);
    expect(b.text).toBe(b.text.trim());
  }
}

const DOC = `# Guide #

Intro line one
continues here.

## Setup

- first
- second
  indented continuation

- after a blank line, same list
1. ordered too

\`\`\`sh
# not a heading inside code
npm install
\`\`\`

| a | b |
|:--|--:|
| 1 | 2 |

> quoted
> still quoted

***

Setext one
==========

Setext two
----------

In 2019. This is not a list
2019. Neither is this line, inside a paragraph.
`;

describe('parseBlocks (markdown)', () => {
  it('finds the structure, and every block slices back to its text', () => {
    const blocks = parseBlocks(DOC);
    expectSlices(DOC, blocks);
    expect(kinds(blocks)).toEqual([
      'h1:Guide',
      'paragraph',
      'h2:Setup',
      'list',
      'code',
      'table',
      'quote',
      'h1:Setext one',
      'h2:Setext two',
      'paragraph',
    ]);
    const list = blocks.find((b) => b.kind === 'list')!;
    expect(list.text).toContain('indented continuation');
    expect(list.text).toContain('1. ordered too');
    expect(blocks.find((b) => b.kind === 'code')!.text).toMatch(/^```sh\n# not a heading inside code\nnpm install\n```$/);
    expect(blocks.at(-1)!.text).toMatch(/^In 2019\. This is not a list\n2019\. Neither/);
  });

  it('runs an unclosed fence to the end and accepts longer or tilde fences', () => {
    const src = '~~~~\ncode\n~~~\nstill code\n~~~~\n\npara\n\n```\nopen to the end\n# still code';
    const blocks = parseBlocks(src);
    expectSlices(src, blocks);
    expect(kinds(blocks)).toEqual(['code', 'paragraph', 'code']);
    expect(blocks[0]!.text).toContain('still code');
    expect(blocks[2]!.text.endsWith('# still code')).toBe(true);
  });

  it('needs a delimiter row for a table and a space after # for a heading', () => {
    const src = 'a | b\nnot a delimiter\n\n#hashtag is text\n\n####### seven is text';
    expect(kinds(parseBlocks(src))).toEqual(['paragraph', 'paragraph', 'paragraph']);
  });

  it('handles empty and blank input', () => {
    expect(parseBlocks('')).toEqual([]);
    expect(parseBlocks(' \n\n\t\n')).toEqual([]);
    expect(kinds(parseBlocks('#'))).toEqual([]); // an empty heading has no title
  });

  it('parses 5 MB in one linear pass', () => {
    const unit = DOC + '\n';
    const big = unit.repeat(Math.ceil(5_000_000 / unit.length));
    const t0 = performance.now();
    const blocks = parseBlocks(big);
    const ms = performance.now() - t0;
    expect(blocks.length).toBe(10 * Math.ceil(5_000_000 / unit.length));
    console.log(`parseBlocks: ${(big.length / 1e6).toFixed(1)} MB, ${blocks.length} blocks in ${ms.toFixed(0)} ms (informational)`);
  });
});

describe('parseBlocks (plain)', () => {
  it('makes one paragraph per run of non-blank lines and ignores markdown syntax', () => {
    const src = '# not a heading\nline two\n\n\n- not a list\n\n   ';
    const blocks = parseBlocks(src, 'plain');
    expectSlices(src, blocks);
    expect(kinds(blocks)).toEqual(['paragraph', 'paragraph']);
    expect(blocks[0]!.text).toBe('# not a heading\nline two');
  });
});

describe('cleanText', () => {
  it('normalizes line ends and drops stray control characters', () => {
    expect(cleanText('a\r\nb\rc\fd')).toBe('a\nb\nc\nd');
    const withJunk = 'x'.repeat(200) + '\u0000\u0007' + 'y'.repeat(200);
    expect(cleanText(withJunk)).toBe('x'.repeat(200) + 'y'.repeat(200));
    expect(cleanText('tab\tkept, emoji 😀 kept, accents é kept')).toBe('tab\tkept, emoji 😀 kept, accents é kept');
    expect(cleanText('lone \ud800 surrogate' + ' ok'.repeat(100))).toBe('lone  surrogate' + ' ok'.repeat(100));
    expect(needsCleaning(cleanText('a\r\n\u0000b' + 'c'.repeat(300)))).toBe(false);
  });

  it('refuses binary data with E_UNREADABLE_PAGE', () => {
    // What a PNG read as Latin-1 text looks like.
    let s = 0x1234;
    const bytes = Array.from({ length: 4096 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 0xff);
    const binary = String.fromCharCode(...bytes);
    expect(() => cleanText(binary)).toThrow(expect.objectContaining({ code: 'E_UNREADABLE_PAGE' }));
    expect(() => cleanText('\ufffd'.repeat(50) + 'text')).toThrow(expect.objectContaining({ code: 'E_UNREADABLE_PAGE' }));
  });
});
