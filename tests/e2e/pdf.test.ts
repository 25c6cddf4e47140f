/**
 * PDFs read locally by the engine (pdf.extract): pdf.js inside the engine worker, no worker of its
 * own, no eval, nothing fetched. The PDFs are written by hand below (a few objects and an xref
 * table), so the test knows exactly what text, sizes and positions they hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ask, launch, newProfileDir, PANEL_PATH, removeProfileDir, type Session } from './harness.ts';
import { watchEngineConsole, type ConsoleWatch } from './engine-console.ts';

/** A valid PDF 1.4: one Helvetica font, one content stream per page, an Info dictionary. */
function makePdf(pages: string[], info: Record<string, string> = {}): Buffer {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body) ; // object number = index + 1
  const pdfString = (s: string) => `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // Pages, filled in below
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const content of pages) {
    add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
    const contentNo = objects.length;
    add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentNo} 0 R >>`);
    kids.push(objects.length);
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  add(`<< ${Object.entries(info).map(([k, v]) => `/${k} ${pdfString(v)}`).join(' ')} >>`);
  const infoNo = objects.length;
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${infoNo} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Text at a size and position; following lines 14 points below. */
const text = (size: number, x: number, y: number, ...lines: string[]) =>
  `BT /F1 ${size} Tf ${x} ${y} Td ${lines.map((l, i) => `${i ? '0 -14 Td ' : ''}(${l}) Tj`).join(' ')} ET`;

const REPORT = makePdf(
  [
    [
      text(24, 72, 720, 'Quarterly Report on Rivers'),
      text(12, 72, 690, 'The river crossing was completed in spring. Water levels were', 'low and the stones were dry. Engineers measured the flow at', 'dawn.'),
      text(16, 72, 630, 'Findings'),
      text(12, 72, 605, 'Sediment moved slowly, as the survey of the lower exam-', 'ple reach showed.'),
      text(12, 72, 560, 'A third paragraph stands apart from the second.'),
    ].join('\n'),
    text(12, 72, 720, 'Page two mentions the purple-speckled heron.'),
  ],
  { Title: 'Rivers 2026', Author: 'Test' },
);

let session: Session;
let watch: ConsoleWatch;
let panel: Page;
const profile = newProfileDir();

beforeAll(async () => {
  session = await launch(profile);
  watch = await watchEngineConsole(session);
  panel = await session.openPage(PANEL_PATH);
});
afterAll(async () => {
  await watch?.stop();
  await session?.close();
  removeProfileDir(profile);
});

interface PdfText { title: string; text: string; pages: number }
const extract = (pdf: Buffer) => ask<PdfText>(panel, 'pdf.extract', { data: pdf.toString('base64') });

describe('pdf.extract: a PDF read locally in the engine', () => {
  it('gives its title, pages and text as light Markdown (headings from font size, paragraphs, hyphens undone)', async () => {
    const pdf = await extract(REPORT);
    expect(pdf.title).toBe('Rivers 2026');
    expect(pdf.pages).toBe(2);
    expect(pdf.text).toBe(
      [
        '# Quarterly Report on Rivers',
        'The river crossing was completed in spring. Water levels were low and the stones were dry. Engineers measured the flow at dawn.',
        '## Findings',
        'Sediment moved slowly, as the survey of the lower example reach showed.',
        'A third paragraph stands apart from the second.',
        'Page two mentions the purple-speckled heron.',
      ].join('\n\n'),
    );
  });

  it('takes the first heading as the title when the file names none', async () => {
    const pdf = await extract(makePdf([[text(20, 72, 700, 'Notes on Glaciers'), text(11, 72, 670, 'Ice creeps downhill under its own weight.')].join('\n')], { Title: 'Microsoft Word - notes.docx' }));
    expect(pdf).toEqual({ title: 'Notes on Glaciers', metadataTitle: null, text: '# Notes on Glaciers\n\nIce creeps downhill under its own weight.', pages: 1 });
  });

  it('says clearly when there is no text (a scan), when the file is not a PDF, or is damaged', async () => {
    await expect(extract(makePdf(['0 0 m 100 100 l S']))).rejects.toThrow(/E_UNREADABLE_PAGE: This PDF has no text to read: a scanned document/);
    await expect(extract(Buffer.from('<html>not a pdf</html>'))).rejects.toThrow(/E_UNREADABLE_PAGE: This file is not a PDF/);
    await expect(extract(Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog'))).rejects.toThrow(/E_UNREADABLE_PAGE: This PDF (could not be read|has no text)/);
  });

  it('keeps every console clean and starts no other worker (pdf.js runs inside the engine)', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect([...session.consoleErrors, ...watch.errors]).toEqual([]);
    // The engine and the keyword thread it starts with the library (src/worker/keywords/), nothing of pdf.js.
    expect(watch.targets.filter((t) => t.startsWith('worker') && !t.includes('/assets/engine-') && !t.includes('/assets/keyword-thread-'))).toEqual([]);
  });
});
