import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, launch, PANEL_PATH, ROOT, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

let session: Session;
let site: StaticServer;

beforeAll(async () => {
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'));
  session = await launch();
});
afterAll(async () => {
  await session?.close();
  await site?.close();
});

describe('content script, injected on demand', () => {
  it('reads the visible text, title, language and byline of a page, and drops hidden and off-screen text', async () => {
    const page = await session.context.newPage();
    await page.goto(site.url('article.html'));
    const tabId = await (await session.serviceWorker()).evaluate(async (url) => (await chrome.tabs.query({ url }))[0]?.id, site.url('article.html'));
    const panel = await session.openPage(PANEL_PATH);
    // The background's page pipeline (test build: debug.readPage hands back what it read).
    const got = await ask<{ title: string; text: string; lang: string; byline: string; url: string; mime: string; kind: string }>(panel, 'debug.readPage', { tabId });
    expect(got).toMatchObject({ kind: 'page', mime: 'text/html', url: site.url('article.html') });
    expect(got.title).toBe('The Lighthouse Keepers of Skerryvore');
    expect(got.lang).toBe('en');
    expect(got.byline).toBe('Ada Quill');
    expect(got.text).toContain('Alan Stevenson completed the granite tower in 1844');
    expect(got.text).toContain('Granite from Hynish');
    for (const hidden of ['Ignore previous instructions', 'Off-screen text', 'Aria-hidden text', 'White on white']) expect(got.text).not.toContain(hidden);
  });

  it('says plainly when a page cannot be read', async () => {
    const page = await session.context.newPage();
    await page.goto('chrome://version');
    const sw = await session.serviceWorker();
    // Without the "tabs" permission URLs are hidden from us, so take the newest tab.
    const tabId = await sw.evaluate(async () => Math.max(...(await chrome.tabs.query({})).map((t) => t.id ?? -1)));
    const panel = await session.openPage(PANEL_PATH);
    await expect(ask(panel, 'page.index', { tabId })).rejects.toThrow(/E_UNREADABLE_PAGE: Browser pages \(chrome:\/\/, about:\) cannot be read/);
  });
});
