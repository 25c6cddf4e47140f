/**
 * Composition root: builds the transport (requests to the background, panel events, the chat
 * port) and the platform services, creates every model with them, renders the app, and
 * disposes the models when the panel goes away.
 */
import { render } from 'preact';
import { DEFAULT_ENDPOINTS, type Endpoints } from '../core/providers/types.ts';
import { CHAT_PORT, type ChatToPanel } from '../messaging/chat-port.ts';
import { MODEL_IMPORT_CACHE, MODEL_IMPORT_ORIGIN } from '../messaging/engine-api.ts';
import { isEnvelopeFor, isExtensionSender } from '../messaging/envelope.ts';
import type { PanelEvent } from '../messaging/panel-api.ts';
import { askBackground } from '../messaging/send.ts';
import { App } from './App.tsx';
import { readDocument } from './lib/read-file.ts';
import { matchModelFiles } from './lib/model-folder.ts';
import { createAppModel } from './models/app.ts';
import { createAttestationModel } from './models/attestation.ts';
import { createChatModel } from './models/chat.ts';
import { createEngineModel } from './models/engine.ts';
import { createLibraryModel } from './models/library.ts';
import { createNavModel } from './models/nav.ts';
import { createOnboardingModel } from './models/onboarding.ts';
import { createSettingsModel } from './models/settings.ts';
import type { ChatPort, Platform, Transport } from './transport.ts';

const transport: Transport = {
  request: (type, payload) => askBackground(type, payload),
  onEvent(listener) {
    const onMessage = (msg: unknown, sender: chrome.runtime.MessageSender): undefined => {
      // Content scripts can message extension pages too: events come only from our own contexts.
      if (isEnvelopeFor(msg, 'panel') && isExtensionSender(sender, chrome.runtime.id, chrome.runtime.getURL(''), { allowTabs: true })) {
        listener({ type: msg.type, payload: msg.payload } as PanelEvent);
      }
      return undefined; // never answer: this listener only listens
    };
    chrome.runtime.onMessage.addListener(onMessage);
    return () => chrome.runtime.onMessage.removeListener(onMessage);
  },
  connectChat(): ChatPort {
    const port = chrome.runtime.connect({ name: CHAT_PORT });
    return {
      post: (msg) => port.postMessage(msg),
      onMessage: (listener) => port.onMessage.addListener((msg: unknown) => listener(msg as ChatToPanel)),
      onDisconnect: (listener) =>
        port.onDisconnect.addListener(() => {
          void chrome.runtime.lastError; // read, so Chrome does not log it as unchecked
          listener();
        }),
      disconnect: () => port.disconnect(),
    };
  },
};

/** `?tab=ID`, honoured only in the test build (the constant folds the store build's branch away). */
function tabOverride(): number | null {
  if (!__TEST_BUILD__) return null;
  const n = Number(new URLSearchParams(location.search).get('tab'));
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The test build may point AMD KDS and GitHub at local stand-ins (background/endpoints.ts does the same). */
async function loadEndpoints(): Promise<Endpoints> {
  if (!__TEST_BUILD__) return DEFAULT_ENDPOINTS;
  const over = (await chrome.storage.local.get('test.endpoints'))['test.endpoints'] as Partial<Endpoints> | undefined;
  return { ...DEFAULT_ENDPOINTS, ...(over ?? {}) };
}

const platform: Platform = {
  tabOverride: tabOverride(),
  endpoints: await loadEndpoints(),
  async tabInfo(tabId) {
    try {
      const tab = await chrome.tabs.get(tabId);
      return { tabId, url: tab.url ?? null, title: tab.title ?? null };
    } catch {
      return null;
    }
  },
  requestOrigins: (patterns) => chrome.permissions.request({ origins: patterns }),
  async requestTabsAccess() {
    // Already granted (or required, as in the test build): no prompt.
    if (await chrome.permissions.contains({ permissions: ['tabs'] })) return true;
    return chrome.permissions.request({ permissions: ['tabs'] });
  },
  async openTab(url) {
    await chrome.tabs.create({ url, active: true });
  },
  download(fileName, text, mime) {
    const href = URL.createObjectURL(new Blob([text], { type: mime }));
    const a = document.createElement('a');
    a.href = href;
    a.download = fileName;
    a.rel = 'noopener';
    a.style.display = 'none';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 30_000);
  },
  copyText: (text) => navigator.clipboard.writeText(text),
  persistStorage: () => navigator.storage.persist(),
  readDocument: (file) => readDocument(file as File, (data) => transport.request('pdf.extract', { data })),
  readText: (file) => (file as File).text(),
  async stageModelFiles(files, wanted) {
    const { chosen, missing } = matchModelFiles(files.map((f) => f.webkitRelativePath || f.name), wanted);
    if (missing.length) return { missing };
    await caches.delete(MODEL_IMPORT_CACHE);
    const staging = await caches.open(MODEL_IMPORT_CACHE);
    // A Response over the File streams it from disk into the cache: 23 MB never sit in the panel.
    for (const [path, i] of chosen) await staging.put(MODEL_IMPORT_ORIGIN + path, new Response(files[i] as File));
    return { missing: [] };
  },
  now: () => Date.now(),
};

const nav = createNavModel();
const engine = createEngineModel({ transport });
const attestation = createAttestationModel({ transport, platform, hasGateway: () => (settings.settings.value?.activeGatewayId ?? null) !== null });
const settings = createSettingsModel({ transport, platform, onGatewayChanged: () => void attestation.check() });
const library = createLibraryModel({ transport, platform });
const chat = createChatModel({
  transport,
  platform,
  settings: () => settings.settings.value,
  attestState: () => attestation.state.value,
  libraryUnlocked: () => library.unlocked.value,
  lockCount: () => library.lockCount.value,
  activeTab: () => library.activeTab(),
});
const onboarding = createOnboardingModel({ transport, libraryState: () => library.state.value });
const app = createAppModel({ engine, settings, attestation, library, chat, onboarding, nav });

render(
  <App app={app} engine={engine} settings={settings} attestation={attestation} library={library} chat={chat} onboarding={onboarding} nav={nav} />,
  document.getElementById('app')!,
);
void app.boot();
addEventListener('pagehide', () => app.dispose());
