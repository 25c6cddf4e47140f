/**
 * PDF text items (as pdf.js's getTextContent gives them) → light Markdown: lines from positions,
 * paragraphs from vertical gaps, headings guessed from font size, hyphenation undone at line
 * ends, bullets as list items. Pure: no pdf.js, no DOM, so it is tested with plain data.
 *
 * What it does not do: columns, tables, reading order other than the file's content order,
 * headers and footers repeated on every page (they stay, as ordinary lines).
 */

/** One text run: its string, baseline origin (PDF user space, y up) and font size. */
export interface TextRun {
  str: string;
  x: number;
  y: number;
  /** Font size in user space (height of the text matrix). */
  size: number;
  /** Advance width in user space. */
  width: number;
  /** pdf.js marks the last run of a line. */
  hasEOL: boolean;
}

interface Line {
  text: string;
  size: number;
  y: number;
  page: number;
}

/** A heading is at least this much larger than the body text… */
const HEADING_RATIO = 1.15;
/** …short, and not a sentence that happens to be set large. */
const HEADING_MAX_CHARS = 120;
const BULLET = /^\s*[•◦▪‣●○■□–·*-]\s+/;

const round = (n: number) => Math.round(n * 2) / 2;

/** pdf.js's transform [a, b, c, d, e, f] → origin and font size. */
export function runOf(item: { str: string; transform: number[]; width: number; hasEOL: boolean }): TextRun {
  const [, , c = 0, d = 0, e = 0, f = 0] = item.transform;
  return { str: item.str, x: e, y: f, size: Math.hypot(c, d), width: item.width, hasEOL: item.hasEOL };
}

/** Runs → lines: a new line after hasEOL or when the baseline moves by more than half a size. */
function linesOf(runs: readonly TextRun[], page: number): Line[] {
  const lines: Line[] = [];
  let cur: { parts: string[]; sizes: Map<number, number>; y: number; endX: number; size: number } | null = null;
  const flush = () => {
    if (!cur) return;
    const text = cur.parts.join('').replace(/\s+/g, ' ').trim();
    if (text) {
      // The line's size: the one most of its characters are set in.
      let size = 0;
      let most = -1;
      for (const [s, n] of cur.sizes) if (n > most || (n === most && s > size)) [size, most] = [s, n];
      lines.push({ text, size, y: cur.y, page });
    }
    cur = null;
  };
  for (const r of runs) {
    if (cur && Math.abs(r.y - cur.y) > Math.max(cur.size, r.size, 1) * 0.5 && r.str.trim()) flush();
    if (!cur) cur = { parts: [], sizes: new Map(), y: r.y, endX: r.x, size: r.size };
    const prev = cur.parts.at(-1) ?? '';
    // A gap wider than a fifth of the size between runs is a space the file did not spell out.
    if (prev && !/\s$/.test(prev) && !/^\s/.test(r.str) && r.x - cur.endX > r.size * 0.2) cur.parts.push(' ');
    cur.parts.push(r.str);
    const chars = r.str.trim().length;
    if (chars) cur.sizes.set(round(r.size), (cur.sizes.get(round(r.size)) ?? 0) + chars);
    cur.endX = r.x + r.width;
    cur.size = Math.max(cur.size, r.size);
    if (r.hasEOL) flush();
  }
  flush();
  return lines;
}

/** The size most characters are set in. */
function bodySize(lines: readonly Line[]): number {
  const count = new Map<number, number>();
  for (const l of lines) count.set(l.size, (count.get(l.size) ?? 0) + l.text.length);
  let best = 0;
  let most = -1;
  for (const [s, n] of count) if (n > most) [best, most] = [s, n];
  return best;
}

/** The lower quartile: most line pairs are inside paragraphs, and their gap is the smallest. */
function lowerQuartile(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 2]!;
}

/** Joins a line onto a paragraph, undoing a hyphen split at the line end ("exam-" + "ple"). */
function join(para: string, next: string): string {
  if (/[A-Za-zÀ-ÿ]-$/.test(para) && /^[a-zà-ÿ]/.test(next)) return para.slice(0, -1) + next;
  return `${para} ${next}`;
}

/** A line that would read as Markdown syntax is escaped, so it stays text. */
function escapeStart(text: string): string {
  return text.replace(/^(#{1,6}\s|>|\d+[.)]\s|[-+*]\s|```|---)/, '\\$1');
}

export interface PdfMarkdown {
  text: string;
  /** The first heading's text, a title when the file names none. */
  firstHeading: string | null;
  firstLine: string | null;
}

/** Pages of runs → light Markdown. */
export function toMarkdown(pages: readonly (readonly TextRun[])[]): PdfMarkdown {
  const lines = pages.flatMap((runs, i) => linesOf(runs, i));
  if (!lines.length) return { text: '', firstHeading: null, firstLine: null };
  const body = bodySize(lines);

  // Heading sizes, largest first: # for the largest, ## for the next, ### below.
  const isHeadingLine = (l: Line) => l.size >= body * HEADING_RATIO && l.text.length <= HEADING_MAX_CHARS;
  const headingSizes = [...new Set(lines.filter(isHeadingLine).map((l) => l.size))].sort((a, b) => b - a);
  const levelOf = (size: number) => Math.min(3, headingSizes.indexOf(size) + 1);

  // The usual distance between two body lines of a paragraph on a page.
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [a, b] = [lines[i - 1]!, lines[i]!];
    if (a.page === b.page && a.size === body && b.size === body && a.y > b.y) gaps.push(a.y - b.y);
  }
  const lineGap = lowerQuartile(gaps) || body * 1.2;

  const blocks: string[] = [];
  let para: string | null = null;
  let heading: { level: number; size: number; text: string; y: number; page: number } | null = null;
  let firstHeading: string | null = null;
  const flushPara = () => {
    if (para !== null) blocks.push(para);
    para = null;
  };
  const flushHeading = () => {
    if (heading) {
      blocks.push(`${'#'.repeat(heading.level)} ${heading.text}`);
      firstHeading ??= heading.text;
    }
    heading = null;
  };

  let prev: Line | null = null;
  for (const l of lines) {
    if (isHeadingLine(l)) {
      flushPara();
      // A heading set on two lines (same size, right below) is one heading.
      if (heading && heading.size === l.size && heading.page === l.page && heading.y - l.y <= l.size * 1.6) {
        heading.text = `${heading.text} ${l.text}`;
        heading.y = l.y;
      } else {
        flushHeading();
        heading = { level: levelOf(l.size), size: l.size, text: l.text, y: l.y, page: l.page };
      }
    } else {
      flushHeading();
      const bullet = BULLET.exec(l.text);
      const gap = prev && prev.page === l.page ? prev.y - l.y : null;
      // Across a page break a paragraph goes on unless the last one ended a sentence.
      const pageBreak = prev !== null && prev.page !== l.page && (para === null || /[.!?:"”)\]]$/.test(para));
      const newBlock =
        para === null || bullet !== null || pageBreak || (gap !== null && (gap > lineGap * 1.5 || gap < 0)) || Math.abs(l.size - (prev?.size ?? l.size)) > 0.5;
      if (newBlock) {
        flushPara();
        para = bullet ? `- ${l.text.slice(bullet[0].length)}` : escapeStart(l.text);
      } else {
        para = join(para!, l.text);
      }
    }
    prev = l;
  }
  flushPara();
  flushHeading();
  return { text: blocks.join('\n\n'), firstHeading, firstLine: lines[0]!.text };
}
