/**
 * The background's request handlers (panel → background), one per request type of BackgroundApi,
 * and the forwarding of the engine requests the panel may make. The caller (index.ts) has already
 * checked that the sender is one of this extension's own pages.
 */
import { ConfidantError } from '../core/errors.ts';
import { activeProfile, type Settings } from '../core/settings/settings.ts';
import { isPanelEngineType } from '../messaging/engine-api.ts';
import { isEnvelopeFor } from '../messaging/envelope.ts';
import type { BackgroundApi, TabInfo } from '../messaging/panel-api.ts';
import { type Reply, toReply } from '../messaging/reply.ts';
import { apiKeySecret } from './api-keys.ts';
import { acceptSoftware, attest, getView, transcript } from './gate.ts';
import { highlightInTab } from './highlight.ts';
import { selectionTextFor, takePendingSelection } from './menus.ts';
import { readPage, unreadableReason } from './page.ts';
import { engine } from './relay.ts';
import { getSettings, setSettings } from './settings-store.ts';
import { dropTrustState } from './trust-store.ts';
import { routeDebug } from './debug-relay.ts';

const startedAt = Date.now();

type Handlers = { [K in keyof BackgroundApi]: (payload: BackgroundApi[K]['req']) => Promise<BackgroundApi[K]['res']> };

async function activeTab(): Promise<chrome.tabs.Tab> {
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  if (tab?.id === undefined) throw new ConfidantError('E_UNREADABLE_PAGE', 'There is no active tab to read.');
  return tab;
}

function info(tab: chrome.tabs.Tab): TabInfo {
  return { tabId: tab.id!, url: tab.url ?? null, title: tab.title ?? null };
}

/**
 * The tab a page request acts on: the active one by default, or one of the current window's tabs
 * the person picked. The test build, whose panel runs in a tab of its own, may name any tab.
 */
async function pickTab(tabId: number | undefined): Promise<number> {
  if (tabId === undefined) return (await activeTab()).id!;
  if (__TEST_BUILD__) return tabId;
  const inWindow = await chrome.tabs.query({ lastFocusedWindow: true });
  if (!inWindow.some((t) => t.id === tabId)) throw new ConfidantError('E_UNREADABLE_PAGE', 'That tab is not in this window.');
  return tabId;
}

/** Did the trust-relevant part of the settings change (so the gateway must be checked again)? */
function trustChanged(a: Settings, b: Settings): boolean {
  const pick = (s: Settings) => JSON.stringify({ g: s.gateways.map(({ label: _l, ...rest }) => rest), a: s.activeGatewayId, t: s.minTcb, r: s.requireRevocation });
  return pick(a) !== pick(b);
}

const handlers: Handlers = {
  'bg.ping': async () => ({ startedAt, version: chrome.runtime.getManifest().version }),
  'tabs.active': async () => info(await activeTab()),
  'tabs.list': async () => {
    const tabs = await chrome.tabs.query({ lastFocusedWindow: true });
    return tabs.filter((t) => t.id !== undefined && t.url && unreadableReason(t.url) === null).map(info);
  },
  'ask.pending': async () => takePendingSelection(),
  'page.index': async ({ tabId, selection }) => {
    const id = await pickTab(tabId);
    const selectionText = selection === true ? await selectionTextFor(id) : undefined;
    const doc = await readPage(id, { selectionOnly: selection === true, ...(selectionText ? { selectionText } : {}) });
    const page = await engine('library.indexPage', { doc });
    const mode = page.embedded ? 'vectors' : page.embedding ? 'embedding' : 'keywords';
    return { docId: page.docId, title: doc.title, url: doc.url ?? '', chars: doc.text.length, mode, chunks: page.chunks, totalChunks: page.totalChunks };
  },
  'page.save': async ({ tabId, selection }) => {
    const doc = await readPage(await pickTab(tabId), { selectionOnly: selection === true });
    return engine('library.save', { doc });
  },
  // Highlighting touches only the tab the person is looking at.
  'page.highlight': async ({ tabId, quote }) => {
    const active = await activeTab();
    const target = __TEST_BUILD__ && tabId !== undefined ? tabId : active.id!;
    return { found: await highlightInTab(target, quote) };
  },
  'settings.get': async () => getSettings(),
  'settings.set': async (patch) => {
    const before = await getSettings();
    const next = await setSettings(patch).catch((e: unknown) => {
      throw new ConfidantError('E_BAD_REQUEST', e instanceof Error ? e.message : String(e), e instanceof ConfidantError ? e.detail : undefined);
    });
    if (next.autoLockMinutes !== before.autoLockMinutes) await engine('library.setAutoLock', { minutes: next.autoLockMinutes });
    // A removed gateway takes its API key and trust state with it.
    for (const g of before.gateways) {
      if (!next.gateways.some((n) => n.id === g.id)) {
        await dropTrustState(g.id);
        await engine('secret.put', { name: apiKeySecret(g.id), value: null }).catch(() => {});
      }
    }
    if (trustChanged(before, next)) void attest('settings');
    return next;
  },
  'apiKey.set': async ({ profileId, apiKey }) => {
    const s = await getSettings();
    if (!s.gateways.some((g) => g.id === profileId)) throw new ConfidantError('E_NOT_FOUND', 'There is no such gateway.');
    const value = apiKey && apiKey.trim() ? apiKey.trim() : null;
    await engine('secret.put', { name: apiKeySecret(profileId), value });
    if (activeProfile(s)?.id === profileId) void attest('settings');
    return { present: value !== null };
  },
  'apiKey.status': async ({ profileId }) => ({ present: (await engine('secret.get', { name: apiKeySecret(profileId) })) !== null }),
  'attest.get': async () => getView(),
  'attest.check': async () => attest('user'),
  'trust.accept': async ({ profileId, value }) => acceptSoftware(profileId, String(value).toLowerCase()),
  'attest.transcript': async () => transcript(),
};

/**
 * The debug requests, in the test build only: the store build folds this to null and leaves
 * debug-relay.ts out. (Static, not a dynamic import: Vite's preload helper for dynamic imports
 * touches `document`, which a service worker does not have.)
 */
const debugRelay = __TEST_BUILD__ ? routeDebug : null;

/** Answers one panel request (already known to come from a trusted sender). */
export function route(msg: unknown): Promise<Reply<unknown>> | undefined {
  if (!isEnvelopeFor(msg, 'background')) return undefined; // not our mail
  const { type, payload } = msg;
  if (Object.hasOwn(handlers, type)) {
    const h = handlers[type as keyof Handlers] as (p: unknown) => Promise<unknown>;
    return toReply(() => h(payload ?? {}));
  }
  if (isPanelEngineType(type)) return toReply(() => engine(type, payload as never));
  if (debugRelay) return debugRelay(type, payload);
  return toReply(() => {
    throw new ConfidantError('E_BAD_REQUEST', `Unknown request type: ${type}`);
  });
}

