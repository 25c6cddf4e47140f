/**
 * The background gate with the real gateway (simulated attestation) and a stand-in model:
 * the badge walks through its states, simulated evidence fails the production policy, nothing is
 * sent without a verified channel, and an answer streams back with its receipt.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/gateway-fixture.ts';
import { ask, launch, PANEL_PATH, ROOT, useGateway, type Session } from './harness.ts';

let session: Session;
let stack: Stack;
let panel: Page;

async function badge(): Promise<{ text: string; title: string }> {
  const sw = await session.serviceWorker();
  return sw.evaluate(async () => ({ text: await chrome.action.getBadgeText({}), title: await chrome.action.getTitle({}) }));
}

interface ChatResult { messages: { type: string; [k: string]: unknown }[] }

/** Asks over the chat port exactly as the panel does, collecting everything until done or error. */
async function chat(question: string, passages: unknown[] = []): Promise<ChatResult> {
  return panel.evaluate(
    ([question, passages]) =>
      new Promise<ChatResult>((resolve) => {
        const port = chrome.runtime.connect({ name: 'confidant.chat' });
        const messages: { type: string }[] = [];
        port.onMessage.addListener((m: { type: string }) => {
          messages.push(m);
          if (m.type === 'done' || m.type === 'error') {
            port.disconnect();
            resolve({ messages });
          }
        });
        port.postMessage({ type: 'ask', question, history: [], passages });
      }),
    [question, passages] as const,
  );
}

async function received(): Promise<{ messages: { role: string; content: string }[] }[]> {
  return (await fetch(`${stack.standIn.url}/__received`)).json();
}

beforeAll(async () => {
  stack = await startStack(['--api-key', 'e2e-secret-key']);
  session = await launch();
  panel = await session.openPage(PANEL_PATH);
  await ask(panel, 'library.setup', { passphrase: null });
});
afterAll(async () => {
  await session?.close();
  await stack?.stop();
});

describe('the attestation gate and its badge', () => {
  it('starts "not configured", and refuses to send anything', async () => {
    expect((await ask<{ state: string }>(panel, 'attest.get')).state).toBe('not-configured');
    expect((await badge()).title).toContain('Not configured');
    const r = await chat('hello?');
    expect(r.messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_NOT_ATTESTED' } });
  });

  it('fails simulated evidence under the production policy: badge ✗, every failed check listed, nothing sent', async () => {
    await useGateway(panel, { url: stack.gateway.url, apiKey: 'e2e-secret-key' });
    const view = await ask<{ state: string; checks: { id: string; passed: boolean; detail: string }[] }>(panel, 'attest.check');
    expect(view.state).toBe('failed');
    expect(view.checks.filter((c) => !c.passed).length).toBeGreaterThan(0);
    const b = await badge();
    expect(b.text).toBe('✗');
    expect(b.title).toContain('Failed');
    const before = (await received()).length;
    const r = await chat('What does the page say?', [{ chunkId: 1, docId: 1, title: 'Secret page', url: null, text: 'TOP SECRET PASSAGE', start: 0, end: 18, heading: '', score: 1 }]);
    expect(r.messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'E_NOT_ATTESTED' } });
    expect((await received()).length).toBe(before);
  });

  it('accepts it only with "Trust a development gateway": badge DEV, and an answer streams back with a receipt', async () => {
    await useGateway(panel, { url: stack.gateway.url, development: true });
    const view = await ask<{ state: string; keyId: string; simulated: boolean }>(panel, 'attest.check');
    expect(view.state).toBe('dev');
    expect(view.simulated).toBe(true);
    expect((await badge()).text).toBe('DEV');
    const passage = { chunkId: 1, docId: 1, title: 'Skerryvore', url: 'http://127.0.0.1/a', text: 'Alan Stevenson completed the granite tower in 1844. It is tall.', start: 0, end: 60, heading: '', score: 1 };
    const r = await chat('Who built the tower?', [passage]);
    const done = r.messages.at(-1) as { type: string; receipt: { keyId: string; passages: number; simulated: boolean } };
    expect(done.type).toBe('done');
    expect(done.receipt).toMatchObject({ keyId: view.keyId, passages: 1, simulated: true });
    const content = r.messages.filter((m) => m.type === 'delta').map((m) => m.content ?? '').join('');
    const reasoning = r.messages.filter((m) => m.type === 'delta').map((m) => m.reasoning ?? '').join('');
    expect(content).toContain('Alan Stevenson completed the granite tower in 1844. [1]');
    expect(reasoning).toContain('Thinking');
    const last = (await received()).at(-1)!;
    expect(last.messages.at(-1)!.content).toContain('[1] Skerryvore — http://127.0.0.1/a\nAlan Stevenson completed');
  });

  it('shows the state in its tooltip: measurement, TCB and when it was checked', async () => {
    const b = await badge();
    expect(b.title).toMatch(/Measurement: [0-9a-f]{16}…/);
    expect(b.title).toMatch(/TCB: /);
    expect(b.title).toMatch(/Checked: /);
  });

  it('exports a transcript of the attestation', async () => {
    const t = await ask<{ fileName: string; json: string }>(panel, 'attest.transcript');
    expect(t.fileName).toMatch(/^confidant-attestation-.*\.json$/);
    const j = JSON.parse(t.json);
    expect(j.format).toBe('confidant-attestation-transcript');
    expect(j.bundle.simulated).toBe(true);
    // The auditors' CLI re-verifies it offline, under the policy the extension recorded…
    const file = join(mkdtempSync(join(tmpdir(), 'confidant-transcript-')), t.fileName);
    writeFileSync(file, t.json);
    const ok = spawnSync('npx', ['tsx', 'scripts/verify.ts', '--evidence', file], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.stdout).toContain('VERIFIED');
    expect(ok.status).toBe(0);
    // …and rejects it under the production policy: simulated evidence never passes that.
    const prod = join(tmpdir(), `prod-policy-${process.pid}.json`);
    writeFileSync(prod, '{}');
    const rejected = spawnSync('npx', ['tsx', 'scripts/verify.ts', '--evidence', file, '--policy', prod], { cwd: ROOT, encoding: 'utf8' });
    expect(rejected.stdout).toContain('REJECTED');
    expect(rejected.status).toBe(1);
  });
});

describe('key rotation', () => {
  let short: Stack;
  afterAll(async () => short?.stop());

  it('re-attests when the gateway key expires, and the next answer goes out under the new key', async () => {
    short = await startStack(['--api-key', 'e2e-secret-key', '--key-lifetime', '6', '--key-grace', '1']);
    await useGateway(panel, { url: short.gateway.url, development: true, apiKey: 'e2e-secret-key' });
    const first = await ask<{ state: string; keyId: string }>(panel, 'attest.check');
    expect(first.state).toBe('dev');
    await new Promise((r) => setTimeout(r, 8000));
    const r = await chat('still there?');
    const done = r.messages.at(-1) as { type: string; receipt?: { keyId: string } };
    expect(done.type).toBe('done');
    expect(done.receipt!.keyId).not.toBe(first.keyId);
  });
});
