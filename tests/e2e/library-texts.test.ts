/**
 * Search results' texts (src/worker/library/chunk-texts.ts): saved documents' texts are not kept
 * open in memory; a search opens the few sealed segments it shows. A library saved before the
 * segments existed, a damaged segment, or a document id used again must still give each passage
 * its own document's words, and never an error or someone else's text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask } from './harness.ts';
import { openLibrarySession, type LibrarySession, type Passage } from './library-session.ts';

const PASS = 'chunk texts test passphrase';
let lib: LibrarySession;

interface TextsInfo { segments: number; openChars: number }

/** A document of many chunks, paragraph i naming `${word}${i}`. */
const longDoc = (title: string, word: string, paragraphs = 24) => ({
  kind: 'page',
  title,
  url: null,
  mime: 'text/markdown',
  text: Array.from(
    { length: paragraphs },
    (_, i) => `Paragraph ${i} is about ${word}${i}. It goes on about the weather, the harbour, the long road to the hills and what the travellers carried, so that each part of the page is a chunk of its own.`,
  ).join('\n\n'),
});
const texts = (damage?: 'drop-all' | 'flip-first') => ask<TextsInfo>(lib.panel, 'debug.chunkTexts', damage ? { damage } : {});
/** The passage for the exact word `w`, first among the hits. */
async function passageFor(w: string): Promise<Passage> {
  const hits = await lib.search(w);
  const hit = hits.find((h) => new RegExp(`\\b${w}\\b`).test(h.text));
  if (!hit) throw new Error(`no passage holds ${w}: ${JSON.stringify(hits.map((h) => h.text.slice(0, 60)))}`);
  return hit;
}

beforeAll(async () => {
  lib = await openLibrarySession(PASS);
});
afterAll(() => lib?.close());

describe("search results' texts", () => {
  let stored = 0;

  it('come from sealed segments stored with the document, each passage its own chunk', async () => {
    const saved = await ask<{ id: number; chunks: number }>(lib.panel, 'library.save', { doc: longDoc('Harbour notes', 'harbourmark') });
    expect(saved.chunks).toBeGreaterThan(4); // more than one segment
    const info = await texts();
    expect(info.segments).toBe(Math.ceil(saved.chunks / 4));
    stored = info.segments;
    await lib.relock();
    for (const i of [0, 11, 23]) expect((await passageFor(`harbourmark${i}`)).title).toBe('Harbour notes');
    // The whole text is still there to view.
    expect((await ask<{ text: string }>(lib.panel, 'library.get', { id: saved.id })).text).toContain('Paragraph 23 is about harbourmark23.');
  });

  it('are made again for a library saved before segments existed, and found meanwhile', async () => {
    await texts('drop-all');
    expect((await texts()).segments).toBe(0);
    await lib.relock();
    expect((await passageFor('harbourmark17')).title).toBe('Harbour notes');
    // Unlocking makes the missing segments in the background.
    await expect.poll(async () => (await texts()).segments, { timeout: 10_000 }).toBe(stored);
  });

  it('are opened from the document when a segment was tampered with, and the segment is made again', async () => {
    await texts('flip-first');
    await lib.relock();
    const p = await passageFor('harbourmark0');
    expect(p.title).toBe('Harbour notes');
    expect(p.text).toContain('Paragraph 0 is about harbourmark0.');
    expect((await texts()).segments).toBe(stored);
    await lib.relock();
    expect((await passageFor('harbourmark1')).title).toBe('Harbour notes');
  });

  it("are the new document's when a deleted document's id is used again", async () => {
    const old = await ask<{ id: number }>(lib.panel, 'library.save', { doc: longDoc('Old hills', 'oldmark', 8) });
    expect((await passageFor('oldmark3')).title).toBe('Old hills'); // its segments now open in memory
    await ask(lib.panel, 'library.delete', { id: old.id });
    const next = await ask<{ id: number }>(lib.panel, 'library.save', { doc: longDoc('New hills', 'newmark', 8) });
    expect(next.id).toBe(old.id);
    const p = await passageFor('newmark3');
    expect(p.title).toBe('New hills');
    expect(p.text).not.toContain('oldmark');
    await lib.relock();
    const after = await passageFor('newmark5');
    expect(after.text).not.toContain('oldmark');
  });

  it('still fill k passages when every hit has a near-duplicate (the same page saved twice)', async () => {
    // Words that differ from paragraph to paragraph, so that only the copies are near-duplicates.
    const vocab = ['amber', 'basalt', 'cinder', 'dune', 'ember', 'fjord', 'gorge', 'heath', 'inlet', 'jetty', 'knoll', 'loam', 'marsh', 'nook', 'oxbow', 'peat', 'quarry', 'ridge', 'shoal', 'tarn', 'upland', 'vale', 'weir', 'yardang'];
    const text = Array.from({ length: 24 }, (_, i) => `Beaconmark ${Array.from({ length: 30 }, (_, j) => vocab[(i * 7 + j * j * 3 + j) % vocab.length]).join(' ')} light${i}.`).join('\n\n');
    const page = { kind: 'page', url: null, mime: 'text/markdown', text };
    await ask(lib.panel, 'library.save', { doc: { ...page, title: 'Beacons' } });
    await ask(lib.panel, 'library.save', { doc: { ...page, title: 'Beacons (mirror)' } });
    await lib.relock(); // texts opened from segments, not from what saving kept open
    const passages = await lib.search('beaconmark', 4);
    expect(passages).toHaveLength(4);
    expect(new Set(passages.map((p) => p.text)).size).toBe(4);
    expect(passages.every((p) => p.title.startsWith('Beacons') && p.text.includes('Beaconmark'))).toBe(true);
  });

  it('are let go at lock', async () => {
    expect((await texts()).openChars).toBeGreaterThan(0);
    await ask(lib.panel, 'library.lock');
    await expect(texts()).rejects.toThrow(/E_LOCKED/);
    await ask(lib.panel, 'library.unlock', { passphrase: PASS });
  });

  it('kept every console clean', async () => {
    expect(lib.consoleErrors()).toEqual([]);
  });
});
