/**
 * Development without a language model: `npm start` runs the gateway with simulated evidence and,
 * when no model server is given (and no Ollama runs), its built-in quoter. Through the panel, its
 * answer quotes the best sentence of the passages sent and cites that passage, so the citation
 * highlights the sentence on the page, as with a real model.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Running } from '../helpers/processes.ts';
import { ask, launch, PANEL_PATH, ROOT, useGateway, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const API_KEY = 'dev-gateway-e2e-key';

let gateway: Running;
let site: StaticServer;
let session: Session;

beforeAll(async () => {
  gateway = await startGateway(['--simulated', '--builtin', '--quiet', '--api-key', API_KEY]);
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'));
  session = await launch();
  const setup = await session.context.newPage();
  await setup.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}`);
  await ask(setup, 'library.setup', { passphrase: null });
  await ask(setup, 'kv.put', { key: 'panel.onboarding', value: 'complete' });
  await useGateway(setup, { url: gateway.url, development: true, apiKey: API_KEY });
  await setup.close();
  const article = await session.context.newPage();
  await article.goto(site.url('article.html'));
}, 180_000);

afterAll(async () => {
  await session?.close();
  await site?.close();
  await gateway?.stop();
});

describe('the development gateway without a model', () => {
  it('quotes the best sentence of the page and cites it; the citation highlights it on the page', async () => {
    const sw = await session.serviceWorker();
    const tabId = await sw.evaluate(async (url) => (await chrome.tabs.query({})).find((t) => t.url === url)!.id!, site.url('article.html'));
    const p: Page = await session.context.newPage();
    await p.setViewportSize({ width: 400, height: 820 });
    await p.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}?tab=${tabId}`);
    await expect.poll(() => p.getByRole('button', { name: /^Attestation: DEV/ }).count(), { timeout: 60_000 }).toBe(1);
    await p.getByLabel('Ask', { exact: true }).fill('Who completed the granite tower?');
    await p.getByLabel('Ask', { exact: true }).press('Enter');
    const answer = p.getByTestId('answer').last();
    await expect.poll(() => answer.getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    const text = (await answer.locator(':scope > .markdown').textContent()) ?? '';
    expect(text).toContain('No language model is configured on this gateway');
    expect(text).toContain('Alan Stevenson completed the granite tower in 1844');

    const cite = answer.locator(':scope > .markdown blockquote').getByRole('button', { name: /^Source \d+: The Lighthouse Keepers of Skerryvore/ });
    await expect(cite.count()).resolves.toBe(1);
    await cite.click();
    await expect.poll(() => answer.getByRole('status').last().textContent(), { timeout: 20_000 }).toMatch(/Source \d+ (highlighted on the page|could not be found)/);
    await expect(answer.getByRole('status').last().textContent()).resolves.toContain('highlighted on the page');
  });

  it('logs no console errors', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
