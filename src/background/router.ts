import browser from 'webextension-polyfill';
import { ConfidantError } from '../core/errors.ts';
import { type BackgroundOwnApi, isEnvelopeFor } from '../messaging/background.ts';
import { isEngineType } from '../messaging/engine.ts';
import { type Reply, toReply } from '../messaging/reply.ts';
import { extractFromTab } from './extract.ts';
import { attest, getView, transcript } from './gate.ts';
import { highlightInTab } from './highlight.ts';
import { engine } from './engine.ts';
import { getSettings, isNeverRead, setSettings } from './settings.ts';

const startedAt = Date.now();

type Handlers = { [K in keyof BackgroundOwnApi]: (payload: BackgroundOwnApi[K]['req']) => Promise<BackgroundOwnApi[K]['res']> };

async function activeTab(): Promise<chrome.tabs.Tab> {
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  if (tab?.id === undefined) throw new ConfidantError('E_UNREADABLE_PAGE', 'There is no active tab to read.');
  return tab;
}

const handlers: Handlers = {
  'bg.ping': async () => ({ startedAt, version: browser.runtime.getManifest().version }),
  'tabs.active': async () => {
    const tab = await activeTab();
    return { tabId: tab.id!, url: tab.url ?? null, title: tab.title ?? null };
  },
  'page.extract': async ({ tabId }) => {
    const id = tabId ?? (await activeTab()).id!;
    const page = await extractFromTab(id);
    if (isNeverRead(await getSettings(), page.url)) {
      throw new ConfidantError('E_UNREADABLE_PAGE', `You asked Confidant never to read ${new URL(page.url).hostname}. Change this in Settings.`);
    }
    return page;
  },
  'page.highlight': async ({ tabId, quote }) => ({ found: await highlightInTab(tabId ?? (await activeTab()).id!, quote) }),
  'settings.get': async () => getSettings(),
  'settings.set': async (patch) => {
    const before = await getSettings();
    let next;
    try {
      next = await setSettings(patch);
    } catch (e) {
      throw new ConfidantError('E_BAD_REQUEST', e instanceof Error ? e.message : String(e));
    }
    if (patch.autoLockMinutes !== undefined) await engine('library.setAutoLock', { minutes: next.autoLockMinutes });
    const trustChanged =
      before.gatewayUrl !== next.gatewayUrl ||
      before.trustDev !== next.trustDev ||
      JSON.stringify(before.trustedMeasurements) !== JSON.stringify(next.trustedMeasurements) ||
      JSON.stringify(before.minTcb) !== JSON.stringify(next.minTcb);
    if (trustChanged) void attest('settings');
    return next;
  },
  'apiKey.set': async ({ apiKey }) => {
    await engine('secret.put', { name: 'gateway.apiKey', value: apiKey && apiKey.trim() ? apiKey.trim() : null });
    return { present: Boolean(apiKey && apiKey.trim()) };
  },
  'apiKey.status': async () => ({ present: (await engine('secret.get', { name: 'gateway.apiKey' })) !== null }),
  'attest.get': async () => getView(),
  'attest.check': async () => attest('user'),
  'attest.transcript': async () => transcript(),
};

export function route(msg: unknown): Promise<Reply<unknown>> | undefined {
  if (!isEnvelopeFor(msg, 'background')) return undefined; // not our mail
  const { type, payload } = msg;
  if (type in handlers) {
    const h = handlers[type as keyof Handlers] as (p: unknown) => Promise<unknown>;
    return toReply(() => h(payload));
  }
  if (isEngineType(type)) return toReply(() => engine(type, payload as never));
  return toReply(() => {
    throw new ConfidantError('E_BAD_REQUEST', `Unknown request type: ${type}`);
  });
}
