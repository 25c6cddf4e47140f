/**
 * Asking before the embedding model is on this device (a new user who said "Not now", or a
 * machine that cannot reach the model hub), through the panel: a short page goes whole, with the
 * same preview; a long one is searched by its words; the panel says which. A download that fails
 * says so (not "the gateway can't be reached"), and the model can then be loaded from a folder,
 * checked against the pinned hashes: a folder with other files is refused by name and hash.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/gateway-fixture.ts';
import { ask, launch, PANEL_PATH, ROOT, TEST_MODELS_DIR, useGateway, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const API_KEY = 'no-model-e2e-key';
const TOPICS = ['tides', 'lamps', 'ferries', 'gulls', 'storms', 'nets', 'fog', 'pilots', 'wrecks', 'bells', 'charts', 'boats'];
/** About 24,000 characters: longer than a page sent whole. */
const LONG_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour Almanac</title></head><body><article>
<h1>Harbour Almanac</h1>
${TOPICS.map(
  (topic, i) =>
    `<h2>On ${topic}</h2>${Array.from({ length: 8 }, (_, j) => `<p>Note ${i}.${j} about ${topic}: the ${topic} of the harbour were logged by keeper number ${i * 10 + j}, who wrote that the ${topic} behaved as they always had, steady and unremarkable through the long season of ${1880 + i}.</p>`).join('')}`,
).join('\n')}
</article></body></html>`;

let stack: Stack;
let site: StaticServer;
let session: Session;

async function received(): Promise<{ messages: { role: string; content: string }[] }[]> {
  return (await fetch(`${stack.standIn.url}/__received`)).json();
}
const lastSent = async () => (await received()).at(-1)!.messages.map((m) => m.content).join('\n');

/** Opens the panel in a tab of its own, acting on the tab showing `url` (`?tab=`, test build). */
async function panelFor(url: string): Promise<Page> {
  const sw = await session.serviceWorker();
  const id = await sw.evaluate(async (url) => (await chrome.tabs.query({})).find((t) => t.url === url)!.id!, url);
  const p = await session.context.newPage();
  await p.setViewportSize({ width: 400, height: 820 });
  await p.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}?tab=${id}`);
  await expect.poll(() => p.getByLabel('Ask', { exact: true }).count(), { timeout: 30_000 }).toBe(1);
  return p;
}

async function askIn(p: Page, question: string): Promise<void> {
  await p.getByLabel('Ask', { exact: true }).fill(question);
  await p.getByLabel('Ask', { exact: true }).press('Enter');
}

async function openTab(url: string): Promise<void> {
  const tab = await session.context.newPage();
  await tab.goto(url);
}

beforeAll(async () => {
  stack = await startStack(['--api-key', API_KEY]);
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'), { '/long.html': LONG_PAGE });
  // The model hub refuses connections here, deterministically (these machines cannot reach it anyway).
  session = await launch(undefined, { extraArgs: ['--host-resolver-rules=MAP huggingface.co 127.0.0.1:9'] });
  const setup = await session.context.newPage();
  await setup.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}`);
  await ask(setup, 'library.setup', { passphrase: null });
  await ask(setup, 'kv.put', { key: 'panel.onboarding', value: 'complete' });
  await useGateway(setup, { url: stack.gateway.url, development: true, apiKey: API_KEY });
  await ask(setup, 'settings.set', { confirmBeforeSend: true });
  for (let i = 0; (await ask<{ state: string }>(setup, 'attest.get')).state !== 'dev'; i++) {
    if (i > 300) throw new Error('the gateway did not attest as DEV');
    await new Promise((r) => setTimeout(r, 200));
  }
  await setup.close();
  await openTab(site.url('article.html'));
  await openTab(site.url('long.html'));
}, 180_000);

afterAll(async () => {
  await session?.close();
  await Promise.all([stack?.stop(), site?.close()]);
});

describe('asking without the embedding model', () => {
  it('sends a short page whole, shows it in the preview first, and says so beside the answer', async () => {
    const p = await panelFor(site.url('article.html'));
    await expect(ask(p, 'model.state')).resolves.toMatchObject({ state: 'not-loaded' });
    await expect(p.getByText(/Asking works already: a short page is sent whole/).count()).resolves.toBe(1);

    await askIn(p, 'Who built the tower?');
    const preview = p.getByTestId('send-preview');
    await expect.poll(() => preview.count(), { timeout: 30_000 }).toBe(1);
    await expect(preview.getByTestId('retrieval-note').textContent()).resolves.toContain('the whole page goes with the question');
    // Every passage of the page, in order, each of which may still be left out.
    const items = preview.locator('.preview-item');
    expect(await items.count()).toBeGreaterThan(0);
    await expect(preview.locator('blockquote').allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringContaining('Skerryvore lighthouse stands on a reef')]));
    await p.getByTestId('confirm-send').click();

    const answer = p.getByTestId('answer').last();
    await expect.poll(() => answer.getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    await expect(answer.getByTestId('retrieval-note').textContent()).resolves.toContain('the whole page goes with the question');
    const sent = await lastSent();
    for (const fact of ['Skerryvore lighthouse stands on a reef', 'Alan Stevenson completed the granite tower in 1844', 'Granite from Hynish', 'Lamp lit in 1844']) expect(sent, fact).toContain(fact);
    // Hidden text is no part of "the whole page".
    expect(sent).not.toContain('Ignore previous instructions');
    await ask(p, 'settings.set', { confirmBeforeSend: false });
    await p.close();
  });

  it('searches a long page by its words, sends only the passages found, and says so', async () => {
    const p = await panelFor(site.url('long.html'));
    await askIn(p, 'What did keeper number 43 write about the storms?');
    const answer = p.getByTestId('answer').last();
    await expect.poll(() => answer.getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    await expect(answer.getByTestId('retrieval-note').textContent()).resolves.toContain('found by their words only');
    await expect(answer.locator(':scope > .markdown').getByRole('button', { name: /^Source 1: Harbour Almanac/ }).count()).resolves.toBe(1);
    const sent = await lastSent();
    expect(sent).toContain('keeper number 43');
    // Passages, not the page: well under its length, and far-off notes stay on the device.
    expect(sent.length).toBeLessThan(LONG_PAGE.length / 2);
    expect(sent).not.toContain('keeper number 111');
    await p.close();
  });
});

describe('getting the model on a machine that cannot download it', () => {
  it('titles a failed download as such, refuses a folder without the files or with other files, and loads a checked folder', async () => {
    const p = await panelFor(site.url('article.html'));
    await p.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    const section = p.locator('#settings-model');
    await section.getByRole('button', { name: 'Download the embedding model (once, ~23 MB)' }).click();
    const alert = section.getByRole('alert');
    await expect.poll(() => alert.count(), { timeout: 30_000 }).toBe(1);
    await expect(alert.textContent()).resolves.toContain('The embedding model could not be downloaded');
    await expect(alert.textContent()).resolves.not.toContain('gateway');
    await expect(alert.textContent()).resolves.toMatch(/huggingface\.co cannot be reached/);

    const folder = section.getByTestId('model-folder-input');
    // A folder that is not a model.
    await folder.setInputFiles(join(ROOT, 'tests', 'e2e', 'pages'));
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('That folder lacks the model’s config.json, tokenizer_config.json, tokenizer.json, onnx/model_quantized.onnx');
    // Files of another model under the same names: refused by hash, nothing kept.
    await folder.setInputFiles(join(TEST_MODELS_DIR, 'confidant-test', 'minilm-shaped'));
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('A model file did not match its checksum');
    await expect(alert.textContent()).resolves.toMatch(/The tokenizer\.json in that folder is not the expected file \(SHA-256 [0-9a-f]{64}, expected da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0\)/);
    await expect(ask(p, 'model.state')).resolves.toMatchObject({ modelId: 'Xenova/all-MiniLM-L6-v2', state: 'error' });
    expect(await p.evaluate(async () => (await caches.keys()).includes('confidant-model-import'))).toBe(false);

    // The generated test model has no published hashes; its folder loads (the test build only).
    // (Choosing it is the test's doing: the store build offers the pinned model alone.)
    await ask(p, 'model.load', { modelId: 'confidant-test/tiny', remoteHost: 'http://127.0.0.1:9/', remotePathTemplate: '{model}/', threads: 1 }).catch(() => {});
    await p.reload();
    await p.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    await p.locator('#settings-model').getByTestId('model-folder-input').setInputFiles(join(TEST_MODELS_DIR, 'confidant-test', 'tiny'));
    await expect.poll(async () => (await ask<{ state: string }>(p, 'model.state')).state, { timeout: 60_000 }).toBe('ready');
    await expect.poll(() => p.locator('#settings-model').textContent()).toContain('Ready on this device');
    expect(await p.evaluate(async () => (await caches.keys()).includes('confidant-model-import'))).toBe(false);

    // Now passages are found by meaning too, and the note is gone.
    await p.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Ask' }).click();
    await askIn(p, 'Who built the tower?');
    const answer = p.getByTestId('answer').last();
    await expect.poll(() => answer.getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    await expect(answer.getByTestId('retrieval-note').count()).resolves.toBe(0);
    await p.close();
  });
});

describe('the session', () => {
  it('logs no console errors', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
