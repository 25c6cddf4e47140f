/**
 * Only Confidant's own pages reach its privileged operations. A content script (here: code run in
 * a page's isolated world, as a compromised renderer of a page Confidant read could run it) tries
 * every privileged message, the chat port, and extension storage, and is refused with nothing
 * changed; the web page itself has no way in at all; the panel cannot read the API key; and no
 * web-accessible resource lets a site detect Confidant.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, launch, PANEL_PATH, ROOT, useGateway, type Session } from './harness.ts';
import { serveDir, type StaticServer } from './server.ts';

let session: Session;
let site: StaticServer;
let panel: Page;
let page: Page;
let tabId: number;
let profileId: string;

beforeAll(async () => {
  site = await serveDir(join(ROOT, 'tests', 'e2e', 'pages'));
  session = await launch();
  panel = await session.openPage(PANEL_PATH);
  await ask(panel, 'library.setup', { passphrase: null });
  profileId = await useGateway(panel, { url: 'http://127.0.0.1:9', apiKey: 'the-api-key-nobody-else-may-read' });
  page = await session.context.newPage();
  await page.goto(site.url('article.html'));
  tabId = await (await session.serviceWorker()).evaluate(async (url) => (await chrome.tabs.query({ url }))[0]!.id!, site.url('article.html'));
});
afterAll(async () => {
  await session?.close();
  await site?.close();
});

/** Runs `attempt` as a content script in the page's isolated world and returns what it got. */
async function fromContentScript<T>(attempt: () => Promise<T>): Promise<T> {
  const sw = await session.serviceWorker();
  return sw.evaluate(
    async ([tabId, src]) => {
      const [r] = await chrome.scripting.executeScript({ target: { tabId }, world: 'ISOLATED', func: new Function(`return (${src})();`) as () => Promise<unknown> });
      return r?.result;
    },
    [tabId, attempt.toString()] as const,
  ) as Promise<T>;
}

describe('trusted senders only', () => {
  it('a content script asking the background gets refused, for every privileged request', async () => {
    const replies = await fromContentScript(async () => {
      const out: Record<string, unknown> = {};
      const tries: [string, unknown][] = [
        ['settings.get', {}],
        ['settings.set', { requireRevocation: true, gateways: [] }],
        ['apiKey.status', { profileId: 'x' }],
        ['attest.transcript', {}],
        ['page.index', {}],
        ['page.highlight', { quote: 'x' }],
        ['library.list', {}],
        ['library.wipe', {}],
        ['conversations.list', {}],
        ['model.load', { modelId: 'x', remoteHost: 'https://evil.example/' }],
      ];
      for (const [type, payload] of tries) {
        try {
          out[type] = await chrome.runtime.sendMessage({ target: 'background', type, payload });
        } catch (e) {
          out[type] = { thrown: String(e) };
        }
      }
      return out;
    });
    for (const [type, reply] of Object.entries(replies)) {
      expect(reply, type).toMatchObject({ ok: false, error: { code: 'E_PERMISSION' } });
    }
  });

  it('a content script writing to the offscreen engine directly gets no answer (the API key stays sealed)', async () => {
    const got = await fromContentScript(async () => {
      try {
        return { reply: (await chrome.runtime.sendMessage({ target: 'offscreen', type: 'secret.get', payload: { name: 'gateway.apiKey' } })) ?? null };
      } catch (e) {
        return { thrown: String(e) };
      }
    });
    expect(JSON.stringify(got)).not.toContain('the-api-key');
    expect((got as { reply?: unknown }).reply ?? null).toBeNull();
  });

  it('a content script opening the chat port is disconnected before anything is sent', async () => {
    const got = await fromContentScript(
      () =>
        new Promise<{ messages: unknown[]; disconnected: boolean }>((resolve) => {
          const messages: unknown[] = [];
          const port = chrome.runtime.connect({ name: 'confidant.chat' });
          port.onMessage.addListener((m) => messages.push(m));
          port.onDisconnect.addListener(() => resolve({ messages, disconnected: true }));
          port.postMessage({ type: 'ask', question: 'leak?', history: [], passages: [] });
          setTimeout(() => resolve({ messages, disconnected: false }), 3000);
        }),
    );
    expect(got).toEqual({ messages: [], disconnected: true });
  });

  it('a content script can neither read nor write extension storage (settings, trust state)', async () => {
    const got = await fromContentScript(async () => {
      const out: Record<string, string> = {};
      try {
        out.read = JSON.stringify(await chrome.storage.local.get(null));
      } catch (e) {
        out.read = `refused: ${String(e)}`;
      }
      try {
        await chrome.storage.local.set({ settings: { version: 2, gateways: [{ id: 'ffffffffffffffff', provider: 'confidant', url: 'https://attacker.example', development: true }] } });
        out.write = 'written';
      } catch (e) {
        out.write = `refused: ${String(e)}`;
      }
      return out;
    });
    expect(got.read).toMatch(/^refused/);
    expect(got.write).toMatch(/^refused/);
    const s = await ask<{ gateways: { id: string; url: string }[]; activeGatewayId: string }>(panel, 'settings.get');
    expect(s.gateways.map((g) => g.url)).toEqual(['http://127.0.0.1:9']);
    expect(s.activeGatewayId).toBe(profileId);
  });

  it('the web page itself has no messaging API to reach Confidant, and cannot probe for its files', async () => {
    expect(await page.evaluate(() => typeof (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime?.sendMessage)).toBe('undefined');
    const probe = await page.evaluate(async (id) => {
      try {
        const r = await fetch(`chrome-extension://${id}/src/content/extract.js`);
        return `status ${r.status}`;
      } catch {
        return 'blocked';
      }
    }, session.extensionId);
    expect(probe).toBe('blocked');
  });

  it("the panel itself cannot read the API key (it is needed only where requests are sealed)", async () => {
    await expect(ask(panel, 'apiKey.status', { profileId })).resolves.toEqual({ present: true });
    await expect(ask(panel, 'secret.get', { name: `gateway.${profileId}.apiKey` })).rejects.toThrow(/E_BAD_REQUEST: Unknown request type: secret.get/);
  });

  it('settings are validated when read: a development gateway on a remote address is refused when written', async () => {
    const s = await ask<{ gateways: Record<string, unknown>[] }>(panel, 'settings.get');
    await expect(ask(panel, 'settings.set', { gateways: [{ ...s.gateways[0], url: 'https://gw.example.com', development: true }] })).rejects.toThrow(
      /E_BAD_REQUEST: .*development gateways must be on 127.0.0.1, localhost or \[::1\]/,
    );
  });
});
