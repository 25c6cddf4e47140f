/**
 * The panel end to end with the real background, the real (simulated) gateway and the stand-in
 * model: first run without a passphrase, connecting the gateway (its simulated evidence fails
 * the production policy), trusting it as DEV, then asking about a page — progress, a streamed
 * answer with folded reasoning, a citation that highlights the passage, sources, a receipt —
 * confirming what will be sent (a passage left out never reaches the model), and the errors a
 * person can meet (rate limit, unreadable page, a site never to read), with hostile Markdown inert.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/gateway-fixture.ts';
import { ask, launch, loadTestModel, PANEL_PATH, ROOT, TEST_MODELS_DIR, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const SHOTS = join(ROOT, 'test-results', 'screenshots');
const API_KEY = 'panel-e2e-key';

/** A page long enough to have several passages, each with a fact of its own. */
const LONG_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour Almanac</title></head><body><article>
<h1>Harbour Almanac</h1>
${['tides', 'lamps', 'ferries', 'gulls', 'storms', 'nets']
  .map(
    (topic, i) =>
      `<h2>On ${topic}</h2>${Array.from({ length: 4 }, (_, j) => `<p>Note ${i}.${j} about ${topic}: the ${topic} of the harbour were logged by keeper number ${i * 10 + j}, who wrote that the ${topic} behaved as they always had, steady and unremarkable through the long season of ${1880 + i}.</p>`).join('')}`,
  )
  .join('\n')}
</article></body></html>`;

let stack: Stack;
let site: StaticServer;
let models: StaticServer;
let session: Session;
let panel: Page;
let article: Page;

async function snap(name: string, page: Page = panel): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The tab showing this URL; for pages whose URL the extension may not see, the active tab. */
async function tabIdOf(url: string): Promise<number> {
  const sw = await session.serviceWorker();
  return sw.evaluate(async (url) => {
    const tabs = await chrome.tabs.query({});
    const tab = tabs.find((t) => t.url === url) ?? (await chrome.tabs.query({ active: true, lastFocusedWindow: true }))[0];
    return tab!.id!;
  }, url);
}

/** Opens the panel in a tab of its own, acting on the tab with this URL (`?tab=`, test build). */
async function openPanelFor(url: string): Promise<Page> {
  const id = await tabIdOf(url);
  const p = await session.context.newPage();
  await p.setViewportSize({ width: 400, height: 820 });
  await p.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}?tab=${id}`);
  await expect.poll(() => p.getByLabel('Ask', { exact: true }).count(), { timeout: 30_000 }).toBe(1);
  return p;
}

async function received(): Promise<{ messages: { role: string; content: string }[] }[]> {
  return (await fetch(`${stack.standIn.url}/__received`)).json();
}

async function askInPanel(p: Page, question: string): Promise<void> {
  await p.getByLabel('Ask', { exact: true }).fill(question);
  await p.getByLabel('Ask', { exact: true }).press('Enter');
}

const lastAnswer = (p: Page) => p.getByTestId('answer').last();

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack(['--api-key', API_KEY]);
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'), { '/long.html': LONG_PAGE });
  models = await serveDir(TEST_MODELS_DIR);
  session = await launch();
  panel = await session.context.newPage();
  await panel.setViewportSize({ width: 400, height: 820 });
  await panel.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}`);
  // The real model is downloaded from the hub; tests load the generated tiny one from a local origin.
  await loadTestModel(panel, models.origin);
  await panel.reload();
}, 180_000);

afterAll(async () => {
  await session?.close();
  await Promise.all([stack?.stop(), site?.close(), models?.close()]);
});

describe('the panel with a gateway', () => {
  it('first run without a passphrase, then connects the gateway and shows its first attestation', async () => {
    await expect.poll(() => panel.getByRole('heading', { name: 'Welcome to Confidant' }).count(), { timeout: 30_000 }).toBe(1);
    await panel.getByRole('radio', { name: /Without a passphrase/ }).check();
    await panel.getByRole('button', { name: 'Create my library' }).click();
    // The model is already on this device, so the model step is skipped.
    await expect.poll(() => panel.getByRole('heading', { name: 'Connect a confidential AI endpoint' }).count(), { timeout: 30_000 }).toBe(1);
    await expect(ask(panel, 'library.state')).resolves.toMatchObject({ initialized: true, protection: 'device' });

    // The hosted services come first; choosing one fills in its address.
    await expect(panel.getByRole('radio', { name: /^Privatemode/ }).isChecked()).resolves.toBe(true);
    await expect(panel.getByLabel('Gateway address').inputValue()).resolves.toBe('https://api.privatemode.ai');
    await panel.getByRole('radio', { name: /^Tinfoil/ }).check();
    await expect(panel.getByLabel('Gateway address').inputValue()).resolves.toBe('https://inference.tinfoil.sh');
    await panel.getByRole('radio', { name: /^Confidant gateway/ }).check();
    await panel.getByLabel('Gateway address').fill(stack.gateway.url);
    await panel.getByLabel('API key').fill(API_KEY);
    await panel.getByRole('button', { name: 'Connect and verify' }).click();
    // Simulated evidence does not satisfy the production policy: the first attestation fails, in words.
    await expect.poll(() => panel.getByTestId('ob-attest').textContent(), { timeout: 60_000 }).toContain('Failed');
    await expect(panel.getByTestId('ob-attest').textContent()).resolves.toMatch(/\d+ of \d+ passed/);
    await expect(panel.getByRole('button', { name: /^Attestation: Failed/ }).count()).resolves.toBe(1);
    const { activeGatewayId } = await ask<{ activeGatewayId: string }>(panel, 'settings.get');
    await expect(ask(panel, 'apiKey.status', { profileId: activeGatewayId })).resolves.toEqual({ present: true });
    await expect(ask(panel, 'settings.get')).resolves.toMatchObject({ gateways: [{ provider: 'confidant', url: stack.gateway.url, development: false }] });
    // The key is sealed in the library, never in plain extension storage.
    const stored = await panel.evaluate(async () => JSON.stringify(await chrome.storage.local.get(null)) + JSON.stringify(await chrome.storage.session.get(null)));
    expect(stored).not.toContain(API_KEY);
    await snap('onboarding-attest-failed');

    await panel.getByRole('button', { name: 'See the checks' }).click();
    const dialog = panel.getByRole('dialog', { name: 'Gateway attestation' });
    await expect.poll(() => dialog.count()).toBe(1);
    await expect(dialog.locator('.check.fail').count()).resolves.toBeGreaterThan(0);
    await snap('attestation-failed');
    await panel.keyboard.press('Escape');
    await panel.getByRole('button', { name: 'Continue' }).click();
    await expect(panel.getByText('Gateway attestation: Failed').count()).resolves.toBe(1);
    await panel.getByRole('button', { name: 'Start asking' }).click();
  });

  it('trusting a development gateway turns it DEV; the details show every check, the SNP claims and each GPU', async () => {
    await panel.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    // Development trust belongs to this one gateway on this machine (Settings, Gateway), never a remote one.
    await panel.locator('#settings-gateway').getByLabel('Trust a development gateway').check();
    await panel.getByRole('button', { name: 'Save Gateway' }).click();
    await expect.poll(() => panel.getByRole('button', { name: /^Attestation: DEV/ }).count(), { timeout: 60_000 }).toBe(1);

    await panel.getByRole('button', { name: /^Attestation: DEV/ }).click();
    const dialog = panel.getByRole('dialog', { name: 'Gateway attestation' });
    await expect.poll(() => dialog.getByTestId('attest-state').textContent()).toContain('DEV');
    const text = (await dialog.textContent()) ?? '';
    for (const label of ['Measurement', 'TCB', 'Chip ID', 'Product', 'GPU 1', 'Driver', 'VBIOS', 'FWID', 'Key ID', 'Checked']) expect(text, label).toContain(label);
    expect(text).toMatch(/all \d+ passed/);
    const view = await ask<{ claims: { measurement: string } }>(panel, 'attest.get');
    expect(text).toContain(view.claims.measurement);
    await snap('attestation-dev');

    const download = panel.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Export transcript' }).click();
    expect((await download).suggestedFilename()).toMatch(/^confidant-attestation-.*\.json$/);
    // The auditors' command-line verifier re-verifies the downloaded transcript offline.
    const file = await (await download).path();
    const cli = spawnSync('npx', ['tsx', 'scripts/verify.ts', '--evidence', file], { cwd: ROOT, encoding: 'utf8' });
    expect(cli.stdout).toContain('VERIFIED');
    expect(cli.status).toBe(0);
    await dialog.getByRole('button', { name: 'Check again' }).click();
    await expect.poll(() => dialog.getByTestId('attest-state').textContent(), { timeout: 60_000 }).toContain('DEV');
    await panel.keyboard.press('Escape');
  });

  it('asks about this page: progress, a streamed answer with folded reasoning, a citation that highlights, sources and a receipt', async () => {
    article = await session.context.newPage();
    await article.goto(site.url('article.html'));
    const p = await openPanelFor(site.url('article.html'));
    const phases: string[] = [];
    await p.exposeFunction('__phase', (s: string) => phases.push(s));
    await p.evaluate(() => {
      const el = document.querySelector('[data-testid=phase]')!;
      new MutationObserver(() => (window as unknown as { __phase: (s: string) => void }).__phase(el.textContent ?? '')).observe(el, { childList: true, subtree: true, characterData: true });
    });
    await askInPanel(p, 'Who built the tower?');
    const answer = lastAnswer(p);
    await expect.poll(() => answer.getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    expect(phases.join('|')).toMatch(/Reading the page/);
    expect(phases.join('|')).toMatch(/Finding the relevant passages/);
    await expect(answer.locator(':scope > .markdown').textContent()).resolves.toContain('Alan Stevenson completed the granite tower in 1844');
    // Reasoning is there, folded away.
    const reasoning = answer.locator('details.reasoning');
    await expect(reasoning.count()).resolves.toBe(1);
    await expect(reasoning.evaluate((d) => (d as HTMLDetailsElement).open)).resolves.toBe(false);
    await expect(reasoning.textContent()).resolves.toContain('Reasoning');
    // Sources and the receipt.
    await expect(answer.locator('.sources > summary').textContent()).resolves.toMatch(/\d+ sources?/);
    const receipt = answer.getByTestId('receipt');
    await expect(receipt.locator(':scope > summary').textContent()).resolves.toMatch(/Sent \d+ passages? · [\d,]+ characters in all/);
    await receipt.locator(':scope > summary').click();
    const keyId = (await ask<{ keyId: string }>(p, 'attest.get')).keyId;
    await expect(receipt.textContent()).resolves.toContain(keyId);
    // What left the device is what the model received: the passage, not the page's hidden text.
    const last = (await received()).at(-1)!;
    const sent = last.messages.map((m) => m.content).join('\n');
    expect(sent).toContain('Alan Stevenson completed the granite tower in 1844');
    expect(sent).not.toContain('Ignore previous instructions');
    await snap('answer', p);

    // The citation highlights the passage on the page.
    const cite = answer.locator(':scope > .markdown').getByRole('button', { name: /^Source 1: / });
    await cite.click();
    await expect.poll(() => answer.getByRole('status').last().textContent(), { timeout: 20_000 }).toMatch(/Source 1 (highlighted on the page|could not be found)/);
    await expect(answer.getByRole('status').last().textContent()).resolves.toContain('highlighted on the page');
    await p.close();
  });

  it('saves two pages, then asks across the library: passages from both are sent and listed as sources', async () => {
    for (const page of ['saturn.html', 'sourdough.html']) {
      const tab = await session.context.newPage();
      await tab.goto(site.url(page));
      const p = await openPanelFor(site.url(page));
      await p.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Library' }).click();
      await expect.poll(() => p.getByTestId('save-page').count(), { timeout: 30_000 }).toBe(1);
      await p.getByTestId('save-page').click();
      await expect.poll(() => p.getByRole('status').filter({ hasText: /^Saved “/ }).count(), { timeout: 60_000 }).toBe(1);
      await p.close();
      await tab.close();
    }
    const p = await openPanelFor(site.url('article.html'));
    await p.getByRole('radio', { name: 'Library' }).check();
    const before = (await received()).length;
    await askInPanel(p, 'When did Galileo see the rings, and how often is a sourdough starter fed?');
    await expect.poll(() => lastAnswer(p).getByTestId('receipt').count(), { timeout: 90_000 }).toBe(1);
    const sent = (await received()).slice(before).map((r) => r.messages.at(-1)!.content).join('\n');
    expect(sent).toContain('The Rings of Saturn');
    expect(sent).toContain('Keeping a Sourdough Starter');
    const sources = (await lastAnswer(p).textContent()) ?? '';
    expect(sources).toMatch(/\d+ sources?/);
    await p.close();
  });

  it('confirm before sending: shows what will be sent, and a passage left out never reaches the model', async () => {
    await ask(panel, 'settings.set', { confirmBeforeSend: true, passages: 4 });
    const long = await session.context.newPage();
    await long.goto(site.url('long.html'));
    const p = await openPanelFor(site.url('long.html'));
    await askInPanel(p, 'What did the keepers log about the storms?');
    const preview = p.getByTestId('send-preview');
    await expect.poll(() => preview.count(), { timeout: 60_000 }).toBe(1);
    await expect(p.getByTestId('phase').textContent()).resolves.toContain('Review what will be sent');
    const items = preview.locator('.preview-item');
    const n = await items.count();
    expect(n).toBeGreaterThan(1);
    const before = (await received()).length;
    expect((await received()).length).toBe(before); // nothing sent while waiting
    // Leave the first passage out.
    await items.first().locator('summary').click();
    const excluded = ((await items.first().locator('blockquote').textContent()) ?? '').trim();
    expect(excluded.length).toBeGreaterThan(20);
    await items.first().getByRole('checkbox').uncheck();
    await expect(preview.textContent()).resolves.toContain(`${n - 1} passages`);
    await snap('confirm', p);
    await preview.getByRole('button', { name: 'Send' }).click();
    const answer = lastAnswer(p);
    await expect.poll(() => answer.getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    await expect(answer.getByTestId('receipt').locator('summary').textContent()).resolves.toContain(`Sent ${n - 1} passage`);
    const sent = (await received()).at(-1)!.messages.map((m) => m.content).join('\n');
    expect(sent).not.toContain(excluded.slice(0, 60));
    await ask(panel, 'settings.set', { confirmBeforeSend: false });
    await p.close();
    await long.close();
  });

  it('a rate limit says the gateway is busy and when to try again', async () => {
    const p = await openPanelFor(site.url('article.html'));
    await askInPanel(p, 'Tell me more [[status:429]]');
    const notice = lastAnswer(p).getByRole('alert');
    await expect.poll(() => notice.textContent(), { timeout: 60_000 }).toContain('The gateway is busy');
    await expect(notice.textContent()).resolves.toMatch(/You can try again in [1-7] s\./);
    await expect(notice.getByRole('button', { name: 'Try again' }).isDisabled()).resolves.toBe(true);
    await snap('rate-limited', p);
    await p.close();
  });

  it('keeps hostile Markdown inert: no HTML, no images, no javascript: links', async () => {
    const p = await openPanelFor(site.url('article.html'));
    await p.getByRole('radio', { name: 'Library' }).check();
    await askInPanel(p, 'Show me [[xss]]');
    const md = lastAnswer(p).locator(':scope > .markdown');
    await expect.poll(() => lastAnswer(p).getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    await expect(md.locator('img, script, iframe').count()).resolves.toBe(0);
    // No <a href> at all: the one http(s) link is a button that asks first; javascript: is inert text.
    await expect(md.locator('a').count()).resolves.toBe(0);
    await expect(md.locator('button.link-btn').allTextContents()).resolves.toEqual(['a safe link']);
    await md.getByRole('button', { name: 'a safe link' }).click();
    const confirm = p.getByTestId('link-confirm');
    await expect.poll(() => confirm.count()).toBe(1);
    await expect(confirm.textContent()).resolves.toContain('https://example.com/');
    await expect(p.getByTestId('link-reasons').count()).resolves.toBe(0);
    await p.getByRole('button', { name: 'Cancel' }).click();
    await expect(md.textContent()).resolves.toContain('[image: tracker]');
    await expect(p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await p.close();
  });

  it('a link that carries what was sent is shown in full and flagged before anything opens', async () => {
    const p = await openPanelFor(site.url('article.html'));
    await p.getByRole('radio', { name: 'Library' }).check();
    await askInPanel(p, 'my secret plan for the harbour walk [[exfil]]');
    await expect.poll(() => lastAnswer(p).getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    const pages = session.context.pages().length;
    await lastAnswer(p).getByRole('button', { name: 'the full report' }).click();
    const dialog = p.getByRole('dialog', { name: 'This link may carry what you sent' });
    await expect.poll(() => dialog.count()).toBe(1);
    await expect(dialog.textContent()).resolves.toContain('https://collector.example/r?d=my%20secret%20plan');
    await expect(p.getByTestId('link-reasons').textContent()).resolves.toContain('words from the passages or question you sent');
    await snap('link-suspicious', p);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(session.context.pages().length).toBe(pages);
    await p.close();
  });

  it('Esc stops a streaming answer; the partial answer stays, marked stopped', async () => {
    const p = await openPanelFor(site.url('article.html'));
    await p.getByRole('radio', { name: 'Library' }).check();
    await askInPanel(p, 'Count slowly [[delay:120]] [[tokens:200]]');
    await expect.poll(() => lastAnswer(p).locator(':scope > .markdown').textContent(), { timeout: 60_000 }).toContain('tok3');
    await expect(p.getByTestId('stop').count()).resolves.toBe(1);
    await p.getByLabel('Ask', { exact: true }).press('Escape');
    await expect.poll(() => lastAnswer(p).textContent()).toContain('Stopped');
    await expect(p.getByTestId('send').count()).resolves.toBe(1);
    const partial = (await lastAnswer(p).locator(':scope > .markdown').textContent()) ?? '';
    await p.waitForTimeout(600);
    expect((await lastAnswer(p).locator(':scope > .markdown').textContent()) ?? '').toBe(partial);
    expect(partial).not.toContain('tok199');
    await p.close();
  });

  it('an unreadable page says why and offers to ask the library instead', async () => {
    const blank = await session.context.newPage();
    await blank.goto('about:blank');
    const p = await openPanelFor('about:blank');
    await askInPanel(p, 'What is on this page?');
    const notice = p.locator('.composer-area').getByRole('alert');
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain('can’t read this page');
    await expect(p.getByLabel('Ask', { exact: true }).inputValue()).resolves.toBe('What is on this page?');
    await snap('unreadable', p);
    await notice.getByRole('button', { name: 'Ask the library instead' }).click();
    await expect.poll(() => lastAnswer(p).getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    await expect(p.getByRole('radio', { name: 'Library' }).isChecked()).resolves.toBe(true);
    await p.close();
    await blank.close();
  });

  it('never reads a site the person listed', async () => {
    await ask(panel, 'settings.set', { neverReadSites: ['127.0.0.1'] });
    const p = await openPanelFor(site.url('article.html'));
    await askInPanel(p, 'Who built the tower?');
    const notice = p.locator('.composer-area').getByRole('alert');
    await expect.poll(() => notice.textContent(), { timeout: 30_000 }).toContain('never to read 127.0.0.1');
    await ask(panel, 'settings.set', { neverReadSites: [] });
    await p.close();
  });

  it('keeps conversations in the library: listed, reopened with their receipts, deleted', async () => {
    const p = await openPanelFor(site.url('article.html'));
    await p.getByRole('button', { name: 'Conversations' }).click();
    const list = p.locator('.conv-list .conv');
    await expect.poll(() => list.count(), { timeout: 30_000 }).toBeGreaterThan(2);
    await expect(p.locator('.conv-list').textContent()).resolves.toContain('Who built the tower?');
    await snap('history', p);
    await p.locator('.conv-open', { hasText: 'Who built the tower?' }).first().click();
    await expect.poll(() => lastAnswer(p).locator(':scope > .markdown').textContent()).toContain('Alan Stevenson');
    await expect(lastAnswer(p).getByTestId('receipt').count()).resolves.toBe(1);
    await expect(p.locator('#ask-h').textContent()).resolves.toContain('Who built the tower?');

    // Regenerate asks again with the same passages.
    const before = (await received()).length;
    await lastAnswer(p).getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(async () => (await received()).length, { timeout: 60_000 }).toBe(before + 1);
    await expect.poll(() => lastAnswer(p).getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);

    await p.getByRole('button', { name: 'Conversations' }).click();
    const count = await list.count();
    await list.first().getByRole('button', { name: /^Delete “/ }).click();
    await p.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => list.count()).toBe(count - 1);
    await expect(ask<unknown[]>(p, 'conversations.list')).resolves.toHaveLength(count - 1);
    await p.close();
  });

  it('renders a Markdown answer (headings, lists, tasks, a table, code) without breaking a 320 px panel', async () => {
    const p = await openPanelFor(site.url('article.html'));
    await p.setViewportSize({ width: 320, height: 700 });
    await p.getByRole('radio', { name: 'Library' }).check();
    const md = ['[[echo]] Formatting:', '', '## A heading', '', '- **bold** item', '- [x] done task', '', '| column one | column two | column three |', '|---|---|---|', '| a long cell value | b | c |', '', '```', 'const aVeryLongIdentifierName = someFunction(argumentOne, argumentTwo);', '```', '', '> quoted'].join('\n');
    await p.getByLabel('Ask', { exact: true }).fill(md);
    await p.getByTestId('send').click();
    const body = lastAnswer(p).locator(':scope > .markdown');
    await expect.poll(() => lastAnswer(p).getByTestId('receipt').count(), { timeout: 60_000 }).toBe(1);
    await expect(body.locator('h4, h3').count()).resolves.toBeGreaterThan(0);
    await expect(body.locator('table th').count()).resolves.toBe(3);
    await expect(body.locator('pre code').count()).resolves.toBe(1);
    await expect(body.locator('li.task input[type=checkbox][disabled]').count()).resolves.toBe(1);
    await expect(body.locator('strong').count()).resolves.toBe(1);
    const wide = await p.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('body *')].filter((el) => el.getBoundingClientRect().right > 320.5 && !el.closest('.table-wrap, pre') && !el.closest('.sr-only')).map((el) => el.tagName),
    );
    expect(wide).toEqual([]);
    await snap('markdown-320', p);
    await p.close();
  });

  it('logs no console errors', () => {
    expect(session.consoleErrors).toEqual([]);
  });
});
