/**
 * Composition root: builds the transport (requests to the background, panel events, the chat
 * port) and the platform services, creates every model with them, renders the app, and
 * disposes the models when the panel goes away.
 */
import { render } from 'preact';
import { isEnvelopeFor, type PanelEvent } from '../messaging/background.ts';
import { CHAT_PORT, type ChatToPanel } from '../messaging/chat.ts';
import { askBackground } from '../messaging/client.ts';
import { App } from './components/App.tsx';
import { readDocument } from './features/library/read-file.ts';
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
    const onMessage = (msg: unknown): undefined => {
      if (isEnvelopeFor(msg, 'panel')) listener({ type: msg.type, payload: msg.payload } as PanelEvent);
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

const platform: Platform = {
  tabOverride: tabOverride(),
  async tabInfo(tabId) {
    try {
      const tab = await chrome.tabs.get(tabId);
      return { tabId, url: tab.url ?? null, title: tab.title ?? null };
    } catch {
      return null;
    }
  },
  requestOrigin: (pattern) => chrome.permissions.request({ origins: [pattern] }),
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
  readDocument: (file) => readDocument(file as File),
  readText: (file) => (file as File).text(),
  now: () => Date.now(),
};

const nav = createNavModel();
const engine = createEngineModel({ transport });
const attestation = createAttestationModel({ transport, platform, gatewayUrl: () => settings.settings.value?.gatewayUrl });
const settings = createSettingsModel({ transport, platform, onGatewayChanged: () => void attestation.check() });
const library = createLibraryModel({ transport, platform, neverReadSites: () => settings.settings.value?.neverReadSites ?? [] });
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
