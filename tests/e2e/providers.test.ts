/**
 * Tinfoil and Privatemode end to end in real Chromium, through the panel: added in Settings like
 * a person would (provider, address, API key, development stand-in), verified in the background,
 * then a question about a page answered, streamed, cited, with a receipt. Each provider is a local
 * stand-in speaking its published protocol (tests/stand-ins) in front of the stand-in model; a TCP
 * recorder between the browser and the stand-in shows that neither the question nor the page text
 * nor the answer crosses the wire in clear. Tinfoil's build is trusted through a signed release
 * (GitHub and Sigstore stand-ins); Privatemode's manifest on first use, then changed.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGithubStandIn, type GithubStandIn } from '../helpers/github-stand-in.ts';
import { startListening, startStandIn, type Running } from '../helpers/processes.ts';
import { mockSigstore } from '../helpers/sigstore-mock.ts';
import { startRecorder, type Recorder } from '../helpers/tcp-recorder.ts';
import { ask, launch, loadTestModel, PANEL_PATH, ROOT, TEST_MODELS_DIR, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

const TINFOIL_KEY = 'tf-e2e-key-4711';
const PM_KEY = 'pm-e2e-key-0815';
const TINFOIL_BUILD = 'cd'.repeat(48);
const TINFOIL_REPO = 'tinfoilsh/confidential-model-router';

let upstream: Running;
let tinfoil: Running;
let pm: Running;
let tinfoilWire: Recorder;
let pmWire: Recorder;
let github: GithubStandIn;
let site: StaticServer;
let models: StaticServer;
let session: Session;
let panel: Page;

interface View {
  state: string;
  provider: string;
  keyId: string;
  proven: string[];
  software: { kind: string; value: string; status: string; via: string | null; release: { repo: string; tag: string } | null; previous: { value: string } | null } | null;
}

async function received(): Promise<{ messages: { role: string; content: string }[] }[]> {
  return (await fetch(`${upstream.url}/__received`)).json();
}

/** Settings → Add a gateway, as a person fills it in. */
async function addInSettings(provider: 'Tinfoil' | 'Privatemode', address: string, apiKey: string, manifest?: string): Promise<void> {
  await panel.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
  const form = panel.locator('#settings-addGateway');
  await form.getByLabel('Provider').selectOption({ label: provider });
  await form.getByLabel('Gateway address').fill(address);
  await form.getByLabel('API key').fill(apiKey);
  if (manifest) await form.getByLabel('Manifest address').fill(manifest);
  await form.getByLabel('Trust a development gateway').check();
  await form.getByRole('button', { name: 'Add and check' }).click();
}

/** Opens the panel for the tab showing `url`, asks, and waits for the receipt. */
async function askAboutPage(url: string, question: string): Promise<Page> {
  const sw = await session.serviceWorker();
  const id = await sw.evaluate(async (url) => (await chrome.tabs.query({})).find((t) => t.url === url)!.id!, url);
  const p = await session.context.newPage();
  await p.setViewportSize({ width: 400, height: 820 });
  await p.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}?tab=${id}`);
  await expect.poll(() => p.getByLabel('Ask', { exact: true }).count(), { timeout: 30_000 }).toBe(1);
  await p.getByLabel('Ask', { exact: true }).fill(question);
  await p.getByLabel('Ask', { exact: true }).press('Enter');
  await expect.poll(() => p.getByTestId('answer').last().getByTestId('receipt').count(), { timeout: 90_000 }).toBe(1);
  return p;
}

beforeAll(async () => {
  const sigstore = await mockSigstore();
  github = await startGithubStandIn(sigstore);
  await github.publishTinfoil(TINFOIL_REPO, 'v0.9.0', TINFOIL_BUILD);
  upstream = await startStandIn();
  tinfoil = await startListening('tests/stand-ins/tinfoil.ts', ['--port', '0', '--upstream', upstream.url, '--api-key', TINFOIL_KEY, '--measurement', TINFOIL_BUILD]);
  pm = await startListening('tests/stand-ins/privatemode.ts', ['--port', '0', '--upstream', upstream.url, '--api-key', PM_KEY, '--vcpus', '8']);
  tinfoilWire = await startRecorder(tinfoil.url);
  pmWire = await startRecorder(pm.url);
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'));
  models = await serveDir(TEST_MODELS_DIR);
  session = await launch();
  const sw = await session.serviceWorker();
  // AMD's key service is played by the Tinfoil stand-in; GitHub and Sigstore by theirs.
  await sw.evaluate(([kds, api, root]) => chrome.storage.local.set({ 'test.endpoints': { kds, githubApi: api }, 'test.trustedRoot': root }), [tinfoil.url, github.api, sigstore.trustedRoot] as const);
  panel = await session.context.newPage();
  await panel.setViewportSize({ width: 400, height: 820 });
  await panel.goto(`chrome-extension://${session.extensionId}/${PANEL_PATH}`);
  await ask(panel, 'library.setup', { passphrase: null });
  await ask(panel, 'kv.put', { key: 'panel.onboarding', value: 'complete' });
  await loadTestModel(panel, models.origin);
  await panel.reload();
  const article = await session.context.newPage();
  await article.goto(site.url('article.html'));
}, 180_000);

afterAll(async () => {
  await session?.close();
  await Promise.all([tinfoilWire?.close(), pmWire?.close(), github?.close(), site?.close(), models?.close()]);
  await Promise.all([tinfoil?.stop(), pm?.stop()]);
  await upstream?.stop();
});

describe('Tinfoil', () => {
  it('added in Settings, verified against its signed release, answers a question about the page with citations and a receipt', async () => {
    await addInSettings('Tinfoil', tinfoilWire.url, TINFOIL_KEY);
    await expect.poll(async () => (await ask<View>(panel, 'attest.get')).state, { timeout: 60_000 }).toBe('dev');
    const view = await ask<View>(panel, 'attest.get');
    expect(view).toMatchObject({ provider: 'tinfoil', software: { value: TINFOIL_BUILD, status: 'trusted', via: 'release', release: { repo: TINFOIL_REPO, tag: 'v0.9.0' } } });
    expect(view.proven.join(' ')).toMatch(/EHBP/);

    const p = await askAboutPage(site.url('article.html'), 'Who built the tower?');
    const answer = p.getByTestId('answer').last();
    await expect(answer.locator(':scope > .markdown').textContent()).resolves.toContain('Alan Stevenson completed the granite tower in 1844');
    await expect(answer.locator(':scope > .markdown').getByRole('button', { name: /^Source 1: / }).count()).resolves.toBe(1);
    const receipt = answer.getByTestId('receipt');
    await receipt.locator(':scope > summary').click();
    await expect(receipt.textContent()).resolves.toContain(view.keyId);
    await expect(receipt.textContent()).resolves.toContain(`${TINFOIL_REPO} v0.9.0`);
    await p.close();

    // Inside the enclave the model saw the passage; on the wire there was none of it.
    const sent = (await received()).at(-1)!.messages.map((m) => m.content).join('\n');
    expect(sent).toContain('Alan Stevenson completed the granite tower in 1844');
    const wire = Buffer.concat([tinfoilWire.sent(), tinfoilWire.received()]).toString('latin1');
    for (const clear of ['Who built the tower', 'Alan Stevenson', 'granite tower', 'According to the page']) expect(wire, clear).not.toContain(clear);
    // EHBP seals bodies, not headers: the key travels in Authorization, which TLS protects in production (http is refused there).
    expect(tinfoilWire.sent().toString('latin1')).toMatch(/ehbp-encapsulated-key: [0-9a-f]{64}/i);
  });
});

describe('Privatemode', () => {
  it('added in Settings, its manifest trusted on first use, answers through field-level encryption', async () => {
    await addInSettings('Privatemode', pmWire.url, PM_KEY, `${pm.url}/manifest.json`);
    await expect.poll(async () => (await ask<View>(panel, 'attest.get')).state, { timeout: 60_000 }).toBe('unknown-software');
    const first = await ask<View>(panel, 'attest.get');
    expect(first).toMatchObject({ provider: 'privatemode', software: { kind: 'manifest-sha256', status: 'unknown' } });

    // The person sees the manifest digest and accepts it.
    await panel.getByRole('button', { name: /^Attestation:/ }).click();
    const dialog = panel.getByRole('dialog', { name: 'Gateway attestation' });
    await expect.poll(() => dialog.getByTestId('attest-software').textContent(), { timeout: 30_000 }).toContain(first.software!.value);
    await expect(dialog.getByTestId('attest-software').textContent()).resolves.toContain('Manifest digest');
    await dialog.getByTestId('software-accept').click();
    await expect.poll(async () => (await ask<View>(panel, 'attest.get')).state, { timeout: 30_000 }).toBe('dev');
    await panel.keyboard.press('Escape');

    const before = (await received()).length;
    const p = await askAboutPage(site.url('article.html'), 'Who built the tower?');
    const answer = p.getByTestId('answer').last();
    await expect(answer.locator(':scope > .markdown').textContent()).resolves.toContain('Alan Stevenson completed the granite tower in 1844');
    await p.close();
    expect((await received()).length).toBe(before + 1);
    const wire = Buffer.concat([pmWire.sent(), pmWire.received()]).toString('latin1');
    for (const clear of ['Who built the tower', 'Alan Stevenson', 'granite tower', 'According to the page']) expect(wire, clear).not.toContain(clear);
    expect(pmWire.sent().toString('latin1')).toMatch(/privatemode-secret-id: /i);
  });

  it('a new manifest is a blocking change alert: nothing is sent until the person accepts it', async () => {
    const old = (await ask<View>(panel, 'attest.get')).software!.value;
    await fetch(`${pm.url}/__manifest`, { method: 'POST' });
    const v = await ask<View>(panel, 'attest.check');
    expect(v.state).toBe('changed');
    expect(v.software).toMatchObject({ status: 'changed', previous: { value: old } });
    const before = (await received()).length;
    const refused = await panel.evaluate(
      () =>
        new Promise<{ type: string; error?: { code: string } }>((resolve) => {
          const port = chrome.runtime.connect({ name: 'confidant.chat' });
          port.onMessage.addListener((m: { type: string; error?: { code: string } }) => {
            if (m.type === 'done' || m.type === 'error') resolve(m);
          });
          port.postMessage({ type: 'ask', question: 'anyone there?', history: [], passages: [] });
        }),
    );
    expect(refused).toMatchObject({ type: 'error', error: { code: 'E_UNTRUSTED_SOFTWARE' } });
    expect((await received()).length).toBe(before);
  });
});
