import { describe, expect, it } from 'vitest';
import { runOf, toMarkdown, type TextRun } from '../../../src/worker/pdf/layout.ts';

/** Lines of text at a size, from y down by `lead`, each one run ending its line. */
function lines(size: number, y: number, texts: string[], lead = size * 1.2): TextRun[] {
  return texts.map((str, i) => ({ str, x: 72, y: y - i * lead, size, width: str.length * size * 0.5, hasEOL: true }));
}

describe('toMarkdown', () => {
  it('reads font size off the text matrix', () => {
    expect(runOf({ str: 'a', transform: [12, 0, 0, 12, 72, 700], width: 6, hasEOL: false })).toMatchObject({ size: 12, x: 72, y: 700 });
    expect(runOf({ str: 'a', transform: [0, 10, -10, 0, 72, 700], width: 6, hasEOL: false }).size).toBe(10);
  });

  it('ranks heading sizes (# largest), joins a two-line heading, and splits paragraphs at wider gaps', () => {
    const md = toMarkdown([
      [
        ...lines(22, 760, ['A Very Long Title That', 'Wraps Onto Two Lines']),
        ...lines(11, 700, ['First paragraph line one', 'and line two.']),
        ...lines(15, 660, ['Section']),
        ...lines(11, 640, ['Second paragraph.']),
        ...lines(11, 610, ['Third paragraph.']),
        ...lines(13, 580, ['Subsection']),
        ...lines(11, 560, ['Body under it.']),
      ],
    ]);
    expect(md.text).toBe(
      '# A Very Long Title That Wraps Onto Two Lines\n\nFirst paragraph line one and line two.\n\n## Section\n\nSecond paragraph.\n\nThird paragraph.\n\n### Subsection\n\nBody under it.',
    );
    expect(md.firstHeading).toBe('A Very Long Title That Wraps Onto Two Lines');
  });

  it('turns bullets into list items, undoes hyphenation, and escapes text that would read as Markdown', () => {
    const md = toMarkdown([[...lines(10, 700, ['• apples', '• pears that wrap', 'onto a second line']), ...lines(10, 640, ['# not a heading, a hyphen-', 'ated word and 1920s'])]]);
    expect(md.text).toBe('- apples\n\n- pears that wrap onto a second line\n\n\\# not a heading, a hyphenated word and 1920s');
  });

  it('continues a paragraph across a page break unless it ended a sentence', () => {
    const md = toMarkdown([lines(10, 100, ['a sentence that goes']), lines(10, 700, ['on and ends.']), lines(10, 700, ['New page, new paragraph.'])]);
    expect(md.text).toBe('a sentence that goes on and ends.\n\nNew page, new paragraph.');
  });

  it('inserts a space between runs the file set apart without one, and none inside words', () => {
    const runs: TextRun[] = [
      { str: 'Hello', x: 72, y: 700, size: 10, width: 25, hasEOL: false },
      { str: 'world', x: 100, y: 700, size: 10, width: 25, hasEOL: false },
      { str: 'wide', x: 126, y: 700, size: 10, width: 20, hasEOL: true },
    ];
    expect(toMarkdown([runs]).text).toBe('Hello worldwide');
  });

  it('gives nothing for no text', () => {
    expect(toMarkdown([[], []])).toEqual({ text: '', firstHeading: null, firstLine: null });
  });
});
