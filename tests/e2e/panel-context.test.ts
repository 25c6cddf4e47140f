/**
 * What people ask of tools like this one, through the panel: "Ask Confidant about the selection"
 * from the context menu (the question is about the selected text only, and the panel says so),
 * saving from the context menu with a notice where the person is looking, a conversation
 * exported to Markdown with its sources and receipt, several open tabs asked about together, and
 * a long page answered from its words while it is still being embedded (with progress), then by
 * meaning once it is, without being read again.
 *
 * Headless Chromium cannot open a context menu: the test build's `debug.menuClick` runs the
 * background's own click handler with the selection the menu would carry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/gateway-fixture.ts';
import { ask, launch, loadTestModel, PANEL_PATH, ROOT, TEST_MODELS_DIR, useGateway, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const API_KEY = 'panel-context-e2e-key';
/** About 60,000 characters: well over the chunks embedded before a first answer. */
const BIG_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lighthouse Logbook</title></head><body><article>
<h1>Lighthouse Logbook</h1>
${Array.from({ length: 40 }, (_, i) => `<h2>Season ${1850 + i}</h2>${Array.from({ length: 6 }, (_, j) => `<p>Entry ${i}.${j}: in the season of ${1850 + i} keeper number ${i * 10 + j} trimmed the wicks, polished the lens, logged the weather as ${['fair', 'foggy', 'stormy', 'calm', 'squally', 'clear'][j]} and noted ${i + j} passing vessels before dawn.</p>`).join('')}`).join('\n')}
<p>The pelican colony nested on the north ledge in the final season.</p>
</article></body></html>`;
const SELECTED = 'Alan Stevenson completed the granite tower in 1844 after six seasons of work on the exposed rock.';

let stack: Stack;
let site: StaticServer;
let models: StaticServer;
let session: Session;

async function received(): Promise<{ messages: { role: string; content: string }[] }[]> {
  return (await fetch(`${stack.standIn.url}/__received`)).json();
}
const lastSent = async () => (await received()).at(-1)!.messages.map((m) => m.content).join('\n');

async function tabIdOf(url: string): Promise<number> {
  const sw = await session.serviceWorker();
  return sw.evaluate(async (url) => (await chrome.tabs.query({})).find((t) => t.url === url)!.id!, url);
}

/** Opens the panel in a tab of its own, acting on the tab showing `url` (`?tab=`, test build). */
async function panelFor(url: string): Promise<Page> {
  const p = await session.context.newPage();
  await p.setViewportSize({ width: 400, height: 820 });
  await p.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}?tab=${await tabIdOf(url)}`);
  await expect.poll(() => p.getByLabel('Ask', { exact: true }).count(), { timeout: 30_000 }).toBe(1);
  return p;
}

async function askIn(p: Page, question: string): Promise<void> {
  await p.getByLabel('Ask', { exact: true }).fill(question);
  await p.getByLabel('Ask', { exact: true }).press('Enter');
}

async function openTab(url: string): Promise<Page> {
  const tab = await session.context.newPage();
  await tab.goto(url);
  return tab;
}

beforeAll(async () => {
  stack = await startStack(['--api-key', API_KEY]);
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'), { '/big.html': BIG_PAGE });
  models = await serveDir(TEST_MODELS_DIR);
  session = await launch();
  const setup = await session.context.newPage();
  await setup.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}`);
  // The MiniLM-shaped model embeds at the real model's speed: a long page takes seconds.
  await loadTestModel(setup, models.origin, 'confidant-test/minilm-shaped');
  await ask(setup, 'library.setup', { passphrase: null });
  await ask(setup, 'kv.put', { key: 'panel.onboarding', value: 'complete' });
  await useGateway(setup, { url: stack.gateway.url, development: true, apiKey: API_KEY });
  for (let i = 0; (await ask<{ state: string }>(setup, 'attest.get')).state !== 'dev'; i++) {
    if (i > 300) throw new Error('the gateway did not attest as DEV');
    await new Promise((r) => setTimeout(r, 200));
  }
  await setup.close();
}, 180_000);

afterAll(async () => {
  await session?.close();
  await Promise.all([stack?.stop(), site?.close(), models?.close()]);
});

describe('the context menu and export', () => {
  it('"Ask about the selection" opens the question box on that selection, and only it is sent', async () => {
    const article = await openTab(site.url('article.html'));
    const tabId = await tabIdOf(site.url('article.html'));
    // Selected before the panel was open: the panel takes it when it starts.
    const other = await session.context.newPage();
    // Any extension page but the panel (which would take the selection itself).
    await other.goto(`chrome-extension://${session.extensionId}/bench/blank.html`);
    await ask(other, 'debug.menuClick', { menuItemId: 'confidant.ask-selection', tabId, selectionText: SELECTED });
    await other.close();
    const p = await panelFor(site.url('article.html'));
    await expect.poll(() => p.getByTestId('selection-chip').textContent(), { timeout: 10_000 }).toContain('The Lighthouse Keepers of Skerryvore');
    await expect(p.getByTestId('selection-chip').textContent()).resolves.toContain(`${SELECTED.length} characters`);
    await expect(p.getByRole('radio', { name: 'Selection' }).isChecked()).resolves.toBe(true);
    await expect(p.getByLabel('Ask', { exact: true }).getAttribute('placeholder')).resolves.toBe('Ask about the selected text…');

    await askIn(p, 'Who completed the tower?');
    await expect.poll(() => p.getByTestId('answer').last().getAttribute('class'), { timeout: 60_000 }).toContain('status-done');
    const sent = await lastSent();
    expect(sent).toContain('Alan Stevenson completed the granite tower');
    // The rest of the page stayed on the device.
    expect(sent).not.toContain('rowed out supplies');

    // Dropping the selection goes back to the whole page.
    await p.getByRole('button', { name: 'Ask about the whole page instead' }).click();
    await expect(p.getByRole('radio', { name: 'This page' }).isChecked()).resolves.toBe(true);
    await expect(p.getByTestId('selection-chip').count()).resolves.toBe(0);
    await expect(p.getByRole('radio', { name: 'Selection' }).count()).resolves.toBe(0);

    // With the panel open, a new selection arrives as an event and is taken at once.
    await ask(p, 'debug.menuClick', { menuItemId: 'confidant.ask-selection', tabId, selectionText: 'Granite from Hynish' });
    await expect.poll(() => p.getByTestId('selection-chip').textContent(), { timeout: 10_000 }).toContain('19 characters');
    // Handed over once: a panel opened later does not take it again.
    await expect(ask(p, 'ask.pending')).resolves.toBeNull();
    await p.close();
    await article.close();
  });

  it('"Save to Confidant" from the context menu shows a notice in the open panel', async () => {
    const article = await openTab(site.url('article.html'));
    const tabId = await tabIdOf(site.url('article.html'));
    const p = await panelFor(site.url('article.html'));
    await ask(p, 'debug.menuClick', { menuItemId: 'confidant.save-page', tabId });
    await expect.poll(() => p.getByRole('status').filter({ hasText: 'Saved “The Lighthouse Keepers of Skerryvore” to your library.' }).count(), { timeout: 30_000 }).toBe(1);
    await p.getByRole('status').getByRole('button', { name: 'Dismiss' }).click();
    await expect(p.getByText('to your library.').count()).resolves.toBe(0);
    await p.close();
    await article.close();
  });

  it('exports a conversation as Markdown with its question, answer, sources and receipt', async () => {
    const article = await openTab(site.url('article.html'));
    const p = await panelFor(site.url('article.html'));
    await askIn(p, 'When was the lamp lit?');
    await expect.poll(() => p.getByTestId('answer').last().getAttribute('class'), { timeout: 60_000 }).toContain('status-done');
    const download = p.waitForEvent('download');
    await p.getByRole('button', { name: 'Export as Markdown' }).click();
    expect((await download).suggestedFilename()).toMatch(/^confidant-when-was-the-lamp-lit-\d{4}-\d{2}-\d{2}\.md$/);
    const md = readFileSync((await (await download).path())!, 'utf8');
    expect(md).toMatch(/^# When was the lamp lit\?/);
    expect(md).toContain('## Question\n\nWhen was the lamp lit?');
    expect(md).toContain('### Answer');
    expect(md).toContain('**Sources**');
    expect(md).toContain(`1. The Lighthouse Keepers of Skerryvore — <${site.url('article.html')}>`);
    expect(md).toMatch(/_Sent .* to http:\/\/127\.0\.0\.1:\d+ \(confidant, model .*\) under attested key .*development gateway \(simulated evidence\)/);
    await p.close();
    await article.close();
  });

  it('asks about several open tabs together: chosen in the panel, each read on the device, passages from each sent', async () => {
    const glaciers = await openTab(site.url('glaciers.html'));
    const saturn = await openTab(site.url('saturn.html'));
    const p = await panelFor(site.url('glaciers.html'));
    await p.getByRole('button', { name: 'Ask about several tabs…' }).click();
    const picker = p.getByTestId('tab-picker');
    await expect.poll(() => picker.getByRole('checkbox').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    // The tab the panel acts on is chosen first.
    await expect(picker.getByRole('checkbox', { name: /How Glaciers Move/ }).isChecked()).resolves.toBe(true);
    await picker.getByRole('checkbox', { name: /The Rings of Saturn/ }).check();
    await picker.getByRole('button', { name: 'Use these tabs' }).click();
    await expect.poll(() => p.getByTestId('tabs-chip').textContent()).toContain('2 tabs: How Glaciers Move, The Rings of Saturn');
    await expect(p.getByRole('radio', { name: 'Tabs' }).isChecked()).resolves.toBe(true);

    await askIn(p, 'How do glaciers flow, and what are Saturn rings made of?');
    await expect.poll(() => p.getByTestId('answer').last().getAttribute('class'), { timeout: 60_000 }).toContain('status-done');
    const sent = await lastSent();
    expect(sent).toContain('ice deforms under its own weight');
    expect(sent).toContain('made mostly of water ice');
    // Sources name both pages.
    const sources = (await p.getByTestId('answer').last().textContent()) ?? '';
    expect(sources).toContain('How Glaciers Move');
    expect(sources).toContain('The Rings of Saturn');

    await p.getByRole('button', { name: 'Ask about this page only' }).click();
    await expect(p.getByRole('radio', { name: 'This page' }).isChecked()).resolves.toBe(true);
    await expect(p.getByRole('radio', { name: 'Tabs' }).count()).resolves.toBe(0);
    await p.close();
    await glaciers.close();
    await saturn.close();
  });

  it('a long page answers from its words while it is embedded, with progress; then by meaning, without being read again', async () => {
    const big = await openTab(site.url('big.html'));
    const p = await panelFor(site.url('big.html'));
    await askIn(p, 'Where did the pelican colony nest?');
    // The page's embedding runs on after the answer, with a progress bar.
    await expect.poll(() => p.locator('.engine-progress').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => p.getByTestId('answer').last().getAttribute('class'), { timeout: 60_000 }).toContain('status-done');
    await expect(p.getByTestId('answer').last().getByTestId('retrieval-note').textContent()).resolves.toContain('still being embedded');
    expect(await lastSent()).toContain('The pelican colony nested on the north ledge');
    await expect(p.locator('.engine-progress').count()).resolves.toBe(1);

    // Done: the bar goes, and the next question is matched by meaning too (no note).
    await expect.poll(() => p.locator('.engine-progress').count(), { timeout: 120_000 }).toBe(0);
    await askIn(p, 'Which keeper polished the lens in 1861?');
    await expect.poll(() => p.getByTestId('answer').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => p.getByTestId('answer').last().getAttribute('class'), { timeout: 60_000 }).toContain('status-done');
    await expect(p.getByTestId('answer').last().getByTestId('retrieval-note').count()).resolves.toBe(0);
    // Asked about again, the page is found in the index as it is: same document, all chunks embedded.
    const tabId = await tabIdOf(site.url('big.html'));
    const again = await ask<{ docId: number; mode: string; chunks: number; totalChunks: number }>(p, 'page.index', { tabId });
    const once = await ask<{ docId: number }>(p, 'page.index', { tabId });
    expect(again).toMatchObject({ mode: 'vectors', docId: once.docId });
    expect(again.chunks).toBe(again.totalChunks);
    expect(again.totalChunks).toBeGreaterThan(32);
    await p.close();
    await big.close();
  });
});
