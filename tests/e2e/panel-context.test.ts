/**
 * What people ask of tools like this one, through the panel: "Ask Confidant about the selection"
 * from the context menu (the question is about the selected text only, and the panel says so),
 * saving from the context menu with a notice where the person is looking, and a conversation
 * exported to Markdown with its sources and receipt.
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
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'));
  models = await serveDir(TEST_MODELS_DIR);
  session = await launch();
  const setup = await session.context.newPage();
  await setup.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}`);
  await loadTestModel(setup, models.origin);
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
});
