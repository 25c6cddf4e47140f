import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, launch, loadTestModel, newProfileDir, PANEL_PATH, readOpfs, removeProfileDir, ROOT, stopEngine, TEST_MODELS_DIR, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const PASS = 'correct horse battery staple';
const DISTINCT = 'The purple-speckled heron sings loudly over the marmalade fountain at dawn.';
let site: StaticServer;
let models: StaticServer;
let session: Session;
const profile = newProfileDir();

interface Doc { id: number; title: string; url: string; site: string; bytes: number; chunks: number }
interface Passage { docId: number; title: string; text: string; start: number; end: number }

async function savePage(panel: import('playwright-core').Page, path: string): Promise<Doc> {
  const tab = await session.context.newPage();
  await tab.goto(site.url(path));
  const tabId = await (await session.serviceWorker()).evaluate(async (url) => (await chrome.tabs.query({ url }))[0]!.id!, site.url(path));
  // The background reads and saves the page (the panel's "Save page").
  const doc = await ask<Doc>(panel, 'page.save', { tabId });
  await tab.close();
  return doc;
}

/**
 * About 5 MB of Markdown with a findable sentence in each paragraph. The filler is varied
 * (seeded pseudo-random words), so passages are not near-duplicates of each other.
 */
function fiveMegabytes(): string {
  const animals = ['zebra', 'otter', 'lynx', 'heron', 'bison', 'gecko', 'walrus', 'ibis'];
  const words = 'amber basalt cedar delta ember fjord granite harbor indigo juniper kelp lagoon meadow nectar orchard prairie quartz reef saffron tundra umber valley willow yarrow zephyr alder birch copper dune estuary fern glacier heath isle jetty knoll loam marsh nook oasis pebble quarry ridge shoal thicket upland vale wharf'.split(' ');
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const filler = (n: number) => Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ');
  const parts: string[] = [];
  for (let i = 0, n = 0; n < 5_100_000; i++) {
    const p = `${i % 50 === 0 ? `## Section ${i / 50}\n\n` : ''}Paragraph ${i} mentions a ${animals[i % animals.length]} near ${filler(6)}. ${filler(14)}.\n\n`;
    parts.push(p);
    n += p.length;
  }
  return parts.join('');
}

beforeAll(async () => {
  if (!existsSync(join(TEST_MODELS_DIR, 'confidant-test', 'tiny', 'config.json'))) throw new Error('run `npm run make-test-models` first');
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'));
  models = await serveDir(TEST_MODELS_DIR);
  session = await launch(profile);
});
afterAll(async () => {
  await session?.close();
  await site?.close();
  await models?.close();
  removeProfileDir(profile);
});

describe('the private library, encrypted on OPFS', () => {
  let panel: import('playwright-core').Page;
  let saved: Doc[] = [];

  it('is set up with a passphrase and saves three pages, each chunked and embedded locally', async () => {
    panel = await session.openPage(PANEL_PATH);
    await loadTestModel(panel, models.origin);
    const state = await ask<{ initialized: boolean; unlocked: boolean; protection: string }>(panel, 'library.setup', { passphrase: PASS });
    expect(state).toMatchObject({ initialized: true, unlocked: true, protection: 'passphrase' });
    saved = [await savePage(panel, 'saturn.html'), await savePage(panel, 'sourdough.html'), await savePage(panel, 'glaciers.html')];
    expect(saved.map((d) => d.title)).toEqual(['The Rings of Saturn', 'Keeping a Sourdough Starter', 'How Glaciers Move']);
    for (const d of saved) {
      expect(d.chunks).toBeGreaterThan(0);
      expect(d.site).toBe('127.0.0.1');
    }
    const list = await ask<Doc[]>(panel, 'library.list');
    expect(list).toHaveLength(3);
  });

  it('finds passages by keyword and by vector, with offsets that slice back to the source', async () => {
    const hits = (await ask<{ passages: Passage[] }>(panel, 'library.search', { query: 'Cassini Division gap', scope: { kind: 'library' }, k: 3 })).passages;
    expect(hits[0]!.title).toBe('The Rings of Saturn');
    expect(hits[0]!.text).toContain('Cassini Division');
    const { text } = await ask<{ text: string }>(panel, 'library.get', { id: hits[0]!.docId });
    expect(text.slice(hits[0]!.start, hits[0]!.end)).toBe(hits[0]!.text);
    const only = (await ask<{ passages: Passage[] }>(panel, 'library.search', { query: 'flour water feeding', scope: { kind: 'documents', docIds: [saved[1]!.id] }, k: 5 })).passages;
    expect(only.length).toBeGreaterThan(0);
    expect(new Set(only.map((p) => p.docId))).toEqual(new Set([saved[1]!.id]));
  });

  it('deletes a document for good', async () => {
    await ask(panel, 'library.delete', { id: saved[2]!.id });
    const list = await ask<Doc[]>(panel, 'library.list');
    expect(list.map((d) => d.title).sort()).toEqual(['Keeping a Sourdough Starter', 'The Rings of Saturn']);
    const hits = (await ask<{ passages: Passage[] }>(panel, 'library.search', { query: 'glacier creep meltwater', scope: { kind: 'library' }, k: 5 })).passages;
    expect(hits.every((h) => h.title !== 'How Glaciers Move')).toBe(true);
  });

  it('refuses a wrong passphrase clearly and changes nothing; a locked library says so', async () => {
    await ask(panel, 'library.lock');
    await expect(ask(panel, 'library.list')).rejects.toThrow(/E_LOCKED/);
    await expect(ask(panel, 'library.unlock', { passphrase: 'not the passphrase' })).rejects.toThrow(/E_WRONG_PASSPHRASE/);
    const state = await ask<{ unlocked: boolean; documents: number }>(panel, 'library.state');
    expect(state).toMatchObject({ unlocked: false, documents: 2 });
    await ask(panel, 'library.unlock', { passphrase: PASS });
    expect(await ask<Doc[]>(panel, 'library.list')).toHaveLength(2);
  });

  it('refuses an empty page, binary junk and an oversized page with clear errors, and saves a 5 MB page', async () => {
    await expect(ask(panel, 'library.save', { doc: { kind: 'page', title: 'Empty', url: null, text: '   \n  ' } })).rejects.toThrow(/E_UNREADABLE_PAGE: There is no readable text/);
    const junk = Array.from({ length: 4000 }, (_, i) => String.fromCharCode(i % 32)).join('');
    await expect(ask(panel, 'library.save', { doc: { kind: 'file', title: 'junk.bin', url: null, text: junk } })).rejects.toThrow(/E_UNREADABLE_PAGE: This looks like binary data/);
    const huge = 'word '.repeat(1_700_000);
    await expect(ask(panel, 'library.save', { doc: { kind: 'page', title: 'Huge', url: null, text: huge } })).rejects.toThrow(/E_BAD_REQUEST: This document is too large/);
    expect(await ask<Doc[]>(panel, 'library.list')).toHaveLength(2);

    const big = await ask<Doc>(panel, 'library.save', { doc: { kind: 'page', title: 'Five megabytes', url: null, text: fiveMegabytes(), mime: 'text/markdown' } });
    expect(big.bytes).toBeGreaterThan(5_000_000);
    expect(big.chunks).toBeGreaterThan(1000);
    // The tiny test model's vectors are random, so the keyword half of the fusion finds it.
    const hits = (await ask<{ passages: Passage[] }>(panel, 'library.search', { query: 'paragraph 12345 otter', scope: { kind: 'documents', docIds: [big.id] }, k: 5 })).passages;
    expect(hits.some((h) => h.text.includes('Paragraph 12345 mentions a otter'))).toBe(true);
    await ask(panel, 'library.delete', { id: big.id });
  });

  it('stays consistent when the browser is killed in the middle of saving', async () => {
    // Start a long save, then kill Chromium outright (SIGKILL: no shutdown, no flush).
    const pending = ask(panel, 'library.save', { doc: { kind: 'page', title: 'Interrupted', url: null, text: fiveMegabytes().slice(0, 2_000_000), mime: 'text/markdown' } }).catch(() => 'killed');
    await new Promise((r) => setTimeout(r, 1500));
    execFileSync('pkill', ['-9', '-f', `user-data-dir=${profile}`]);
    await pending;
    await session.close().catch(() => {});
    session = await launch(profile);
    panel = await session.openPage(PANEL_PATH);
    await loadTestModel(panel, models.origin);
    await ask(panel, 'library.unlock', { passphrase: PASS });
    const titles = (await ask<Doc[]>(panel, 'library.list')).map((d) => d.title).sort();
    // Either complete or absent: never a partial document, and the library still works.
    expect(titles.filter((t) => t !== 'Interrupted')).toEqual(['Keeping a Sourdough Starter', 'The Rings of Saturn']);
    const again = await savePage(panel, 'glaciers.html');
    expect(again.chunks).toBeGreaterThan(0);
    await ask(panel, 'library.delete', { id: again.id });
  });

  it('keeps everything across a browser relaunch', async () => {
    await session.close();
    session = await launch(profile);
    panel = await session.openPage(PANEL_PATH);
    expect(await ask<{ initialized: boolean; unlocked: boolean }>(panel, 'library.state')).toMatchObject({ initialized: true, unlocked: false });
    await loadTestModel(panel, models.origin);
    await ask(panel, 'library.unlock', { passphrase: PASS });
    const list = await ask<Doc[]>(panel, 'library.list');
    expect(list.map((d) => d.title).sort()).toEqual(['Keeping a Sourdough Starter', 'The Rings of Saturn']);
    const hits = (await ask<{ passages: Passage[] }>(panel, 'library.search', { query: 'Galileo telescope 1610', scope: { kind: 'library' }, k: 2 })).passages;
    expect(hits[0]!.text).toContain('Galileo');
  });

  it('writes no plaintext and no vector bytes to disk', async () => {
    const sourdough = (await ask<Doc[]>(panel, 'library.list')).find((d) => d.title.startsWith('Keeping'))!;
    const vectors = await ask<number[][]>(panel, 'debug.vectors', { docId: sourdough.id, count: 3 });
    expect(vectors.length).toBeGreaterThan(0);
    await stopEngine(session);
    const { files, bytes } = await readOpfs(panel);
    expect(files).toBeGreaterThan(0);
    expect(bytes.length).toBeGreaterThan(10_000);
    for (const needle of [DISTINCT, 'purple-speckled heron', 'marmalade fountain', 'Keeping a Sourdough Starter', 'Cassini Division', site.origin]) {
      expect(bytes.includes(Buffer.from(needle, 'utf8')), needle).toBe(false);
      expect(bytes.includes(Buffer.from(needle, 'utf16le')), needle).toBe(false);
    }
    for (const v of vectors) {
      const f32 = Buffer.from(new Float32Array(v.slice(0, 8)).buffer);
      expect(bytes.includes(f32)).toBe(false);
    }
  });
});
