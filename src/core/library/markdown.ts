/**
 * Plain text and Markdown into blocks with character offsets, the chunker's input (chunk.ts).
 * One pass over the lines, linear in the text's length. Pure.
 *
 * Every block's `text` is exactly `source.slice(start, end)`, trimmed of surrounding whitespace:
 *   heading    the title only ("## Setup ##" → "Setup"), `level` 1-6 (setext: "=" 1, "-" 2)
 *   paragraph  lines up to a blank line or the start of another block
 *   list       consecutive items with their continuation lines, markers included
 *   code       a fenced block, fences included (``` or ~~~, CommonMark closing rules)
 *   quote      consecutive ">" lines, markers included
 *   table      a GFM table: header row, delimiter row, body rows
 * Thematic breaks ("---", "***") and blank lines make no block. This is the subset of CommonMark
 * that shapes a document; inline syntax (emphasis, links) stays in the text as written.
 * In "plain" format every run of non-blank lines is one paragraph.
 *
 * Text goes through cleanText first: chunk offsets index the cleaned text, which is what the
 * library stores, so a citation highlights exactly what was indexed.
 */
import { ConfidantError } from '../errors.ts';

export type BlockKind = 'heading' | 'paragraph' | 'list' | 'code' | 'quote' | 'table';

export interface Block {
  kind: BlockKind;
  /** source.slice(start, end) */
  text: string;
  start: number;
  end: number;
  /** Headings only: 1 (top) to 6. */
  level?: number;
}

export type TextFormat = 'markdown' | 'plain';

// C0 and C1 controls other than tab, line feed, carriage return and form feed; U+FFFD.
// eslint-disable-next-line no-control-regex
const JUNK = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\ufffd]/g;
// Lone surrogates (invalid UTF-16).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Above this share of junk characters a text is taken for binary data and refused. */
export const MAX_JUNK_RATIO = 0.01;

/**
 * Makes text safe to store and index: CRLF and lone CR become LF, form feed becomes LF, control
 * characters, U+FFFD and lone surrogates are removed. Refuses (E_UNREADABLE_PAGE) text in which
 * more than 1% of characters are junk: that is binary data decoded as text, not a document.
 */
export function cleanText(raw: string): string {
  if (typeof raw !== 'string') throw new ConfidantError('E_BAD_REQUEST', 'text must be a string');
  let junk = 0;
  for (const _ of raw.matchAll(JUNK)) junk++;
  for (const _ of raw.matchAll(LONE_SURROGATE)) junk++;
  if (raw.length > 0 && junk / raw.length > MAX_JUNK_RATIO) {
    throw new ConfidantError(
      'E_UNREADABLE_PAGE',
      `This looks like binary data, not text: ${junk} of ${raw.length} characters are control or invalid characters.`,
      { junk, length: raw.length },
    );
  }
  return raw.replace(/\r\n?|\f/g, '\n').replace(JUNK, '').replace(LONE_SURROGATE, '');
}

/** True if `text` has characters cleanText removes or rewrites. */
export function needsCleaning(text: string): boolean {
  JUNK.lastIndex = 0;
  LONE_SURROGATE.lastIndex = 0;
  return /[\r\f]/.test(text) || JUNK.test(text) || LONE_SURROGATE.test(text);
}

// ---------------------------------------------------------------------------------------------

interface Line {
  start: number; // offset of the first character
  end: number; // offset of the "\n" (or text end)
  text: string;
}

function splitLines(s: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= s.length) {
    let end = s.indexOf('\n', start);
    if (end < 0) end = s.length;
    lines.push({ start, end, text: s.slice(start, end) });
    start = end + 1;
  }
  return lines;
}

const BLANK = /^\s*$/;
const ATX = /^ {0,3}(#{1,6})(?=[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const THEMATIC = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}>/;
const BULLET = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)/;
// An ordered item may interrupt a paragraph only when it starts at 1 (CommonMark), so "2019. It
// was" inside a paragraph is not a list.
const INTERRUPTING_ITEM = /^ {0,3}(?:[-+*]|1[.)])[ \t]+\S/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_DELIM = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const INDENTED = /^(?: {2,}|\t)/;

/** [start, end) of `source` with surrounding whitespace removed, or null if all whitespace. */
function trimSpan(source: string, start: number, end: number): [number, number] | null {
  while (start < end && /\s/.test(source[start]!)) start++;
  while (end > start && /\s/.test(source[end - 1]!)) end--;
  return start < end ? [start, end] : null;
}

export function parseBlocks(source: string, format: TextFormat = 'markdown'): Block[] {
  const lines = splitLines(source);
  const blocks: Block[] = [];
  const push = (kind: BlockKind, start: number, end: number, level?: number) => {
    const span = trimSpan(source, start, end);
    if (!span) return;
    const b: Block = { kind, text: source.slice(span[0], span[1]), start: span[0], end: span[1] };
    if (level !== undefined) b.level = level;
    blocks.push(b);
  };
  const blank = (i: number) => i >= lines.length || BLANK.test(lines[i]!.text);

  let i = 0;
  if (format === 'plain') {
    while (i < lines.length) {
      if (blank(i)) {
        i++;
        continue;
      }
      const first = i;
      while (i < lines.length && !blank(i)) i++;
      push('paragraph', lines[first]!.start, lines[i - 1]!.end);
    }
    return blocks;
  }

  const startsBlock = (t: string) =>
    ATX.test(t) || FENCE.test(t) || QUOTE.test(t) || THEMATIC.test(t) || INTERRUPTING_ITEM.test(t);

  while (i < lines.length) {
    const line = lines[i]!;
    const t = line.text;
    if (BLANK.test(t)) {
      i++;
      continue;
    }

    const fence = FENCE.exec(t);
    if (fence) {
      const marker = fence[1]!;
      const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
      let j = i + 1;
      while (j < lines.length && !close.test(lines[j]!.text)) j++;
      const last = Math.min(j, lines.length - 1);
      push('code', line.start, lines[last]!.end);
      i = last + 1;
      continue;
    }

    const atx = ATX.exec(t);
    if (atx) {
      // Title: after the opening #s, before an optional closing run of #s.
      let s = line.start + atx[0].length;
      let e = line.end;
      const closing = /[ \t]+#+[ \t]*$|^[ \t]*#+[ \t]*$/.exec(source.slice(s, e));
      if (closing) e = s + closing.index;
      const span = trimSpan(source, s, e);
      if (span) blocks.push({ kind: 'heading', text: source.slice(span[0], span[1]), start: span[0], end: span[1], level: atx[1]!.length });
      i++;
      continue;
    }

    if (THEMATIC.test(t)) {
      i++;
      continue;
    }

    if (QUOTE.test(t)) {
      let j = i;
      while (j < lines.length && QUOTE.test(lines[j]!.text)) j++;
      push('quote', line.start, lines[j - 1]!.end);
      i = j;
      continue;
    }

    if (BULLET.test(t)) {
      let j = i + 1;
      while (j < lines.length) {
        const u = lines[j]!.text;
        if (!BLANK.test(u)) {
          // an item, an indented continuation, or a lazy continuation of the line before
          if (BULLET.test(u) || INDENTED.test(u) || (!BLANK.test(lines[j - 1]!.text) && !startsBlock(u) && !THEMATIC.test(u))) {
            j++;
            continue;
          }
          break;
        }
        // A blank line continues the list only if an item or an indented line follows it.
        let k = j;
        while (k < lines.length && BLANK.test(lines[k]!.text)) k++;
        if (k < lines.length && (BULLET.test(lines[k]!.text) || INDENTED.test(lines[k]!.text))) {
          j = k;
          continue;
        }
        break;
      }
      push('list', line.start, lines[j - 1]!.end);
      i = j;
      continue;
    }

    if (t.includes('|') && i + 1 < lines.length && TABLE_DELIM.test(lines[i + 1]!.text) && lines[i + 1]!.text.includes('-')) {
      let j = i + 2;
      while (j < lines.length && !BLANK.test(lines[j]!.text) && lines[j]!.text.includes('|')) j++;
      push('table', line.start, lines[j - 1]!.end);
      i = j;
      continue;
    }

    // Paragraph, possibly a setext heading.
    let j = i + 1;
    let setext = 0;
    while (j < lines.length) {
      const u = lines[j]!.text;
      if (BLANK.test(u)) break;
      const sx = SETEXT.exec(u);
      if (sx) {
        setext = sx[1]![0] === '=' ? 1 : 2;
        break;
      }
      if (startsBlock(u)) break;
      j++;
    }
    if (setext) {
      push('heading', line.start, lines[j - 1]!.end, setext);
      i = j + 1;
    } else {
      push('paragraph', line.start, lines[j - 1]!.end);
      i = j;
    }
  }
  return blocks;
}
