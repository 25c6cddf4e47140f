/**
 * The index snapshot (docs/storage.md): unlocking opens the sealed snapshot of the keyword index
 * instead of rebuilding it, only when it matches the documents exactly; a deleted document's words
 * leave it at once; pages asked about but not saved never enter it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask } from './harness.ts';
import { openLibrarySession, type LibrarySession } from './library-session.ts';

const PASS = 'snapshot test passphrase';
let lib: LibrarySession;

interface IndexInfo { source: 'snapshot' | 'rebuilt' | null; stored: boolean; current: boolean; bytes: number; parts: number; termsFound: string[] }
const TERMS = ['quokkaberry', 'wombatine', 'zanzibarquux', 'platypodia'];

const doc = (title: string, word: string) => ({
  kind: 'page',
  title,
  url: null,
  mime: 'text/markdown',
  text: `# ${title}\n\nThis page is about the ${word}, which lives near rivers and eats berries in the early morning.\n\nA second paragraph repeats ${word} once more.`,
});
const info = () => ask<IndexInfo>(lib.panel, 'debug.index', { terms: TERMS });

beforeAll(async () => {
  lib = await openLibrarySession(PASS);
});
afterAll(() => lib?.close());

describe('the sealed index snapshot', () => {
  let first = 0;

  it('is written at lock, and the next unlock opens it instead of rebuilding', async () => {
    first = (await ask<{ id: number }>(lib.panel, 'library.save', { doc: doc('Quokka notes', 'quokkaberry') })).id;
    await ask(lib.panel, 'library.save', { doc: doc('Wombat notes', 'wombatine') });
    // A page asked about, never saved: searchable now, never in the snapshot.
    await ask(lib.panel, 'library.indexPage', { doc: doc('Passing page', 'zanzibarquux') });
    await lib.relock();
    const i = await info();
    expect(i).toMatchObject({ source: 'snapshot', stored: true, current: true });
    expect(i.termsFound.sort()).toEqual(['quokkaberry', 'wombatine']);
    const hits = await lib.search('quokkaberry');
    expect(hits[0]!.title).toBe('Quokka notes');
    expect(hits[0]!.text).toContain('quokkaberry');
    // Texts stay sealed until needed: opening one still gives it whole.
    expect((await ask<{ text: string }>(lib.panel, 'library.get', { id: first })).text).toContain('A second paragraph repeats quokkaberry once more.');
  });

  it("drops a deleted document's words at once, and rewrites the snapshot without them", async () => {
    await ask(lib.panel, 'library.delete', { id: first });
    expect((await info()).stored).toBe(false);
    await lib.relock();
    const i = await info();
    expect(i).toMatchObject({ source: 'snapshot', stored: true, current: true });
    expect(i.termsFound).toEqual(['wombatine']);
    // (The vector half always finds something; the deleted document is not it.)
    const hits = await lib.search('quokkaberry');
    expect(hits.every((h) => h.docId !== first && !h.text.includes('quokkaberry'))).toBe(true);
  });

  it('is rebuilt when it is behind (a save, then the browser closed without locking)', async () => {
    await ask(lib.panel, 'library.save', { doc: doc('Platypus notes', 'platypodia') });
    await lib.relaunch();
    await ask(lib.panel, 'library.unlock', { passphrase: PASS });
    expect(await info()).toMatchObject({ source: 'rebuilt' });
    const hits = await lib.search('platypodia');
    expect(hits[0]!.title).toBe('Platypus notes');
    await lib.relock();
    const i = await info();
    expect(i).toMatchObject({ source: 'snapshot', current: true });
    expect(i.termsFound.sort()).toEqual(['platypodia', 'wombatine']);
  });

  it('is stored in sealed parts of 4 MiB, and a torn one (a part missing) is rebuilt, not trusted', async () => {
    // ~290 bytes of index and 1-bit codes per synthetic chunk: 20,000 chunks make a snapshot of two parts.
    await ask(lib.panel, 'debug.synthetic', { from: 0, docs: 200, chunksPerDoc: 100, seed: 7 });
    await lib.relock();
    const whole = await ask<IndexInfo>(lib.panel, 'debug.index', { terms: TERMS, damage: 'tear-last-part' });
    expect(whole).toMatchObject({ source: 'snapshot', current: true });
    expect(whole.parts).toBeGreaterThan(1);
    expect(whole.bytes).toBeGreaterThan((whole.parts - 1) * (4 << 20));
    await lib.relock();
    expect(await info()).toMatchObject({ source: 'rebuilt' });
    const hits = await lib.search('platypodia');
    expect(hits[0]!.title).toBe('Platypus notes');
    await lib.relock();
    const again = await info();
    expect(again).toMatchObject({ source: 'snapshot', current: true });
    expect(again.parts).toBeGreaterThan(1);
    expect(again.termsFound.sort()).toEqual(['platypodia', 'wombatine']);
  });

  it('is rebuilt, not trusted, when a part was tampered with (the first of several, while the others are read)', async () => {
    const whole = await ask<IndexInfo>(lib.panel, 'debug.index', { terms: TERMS, damage: 'flip-first-part' });
    expect(whole).toMatchObject({ source: 'snapshot', current: true });
    expect(whole.parts).toBeGreaterThan(1);
    expect(await info()).toMatchObject({ stored: true, parts: 0 }); // no longer opens
    await lib.relock();
    expect(await info()).toMatchObject({ source: 'rebuilt' });
    const hits = await lib.search('wombatine');
    expect(hits[0]!.title).toBe('Wombat notes');
    await lib.relock();
    expect(await info()).toMatchObject({ source: 'snapshot', current: true });
  });

  it('kept every console clean', async () => {
    expect(lib.consoleErrors()).toEqual([]);
  });
});
