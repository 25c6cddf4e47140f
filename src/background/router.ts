import browser from 'webextension-polyfill';
import { ConfidantError } from '../core/errors.ts';
import { type BackgroundOwnApi, isEnvelopeFor } from '../messaging/background.ts';
import { askOffscreen } from '../messaging/client.ts';
import { isEngineType } from '../messaging/engine.ts';
import { type Reply, toReply } from '../messaging/reply.ts';
import { extractFromTab } from './extract.ts';
import { ensureOffscreen } from './offscreen.ts';

const startedAt = Date.now();

type Handlers = { [K in keyof BackgroundOwnApi]: (payload: BackgroundOwnApi[K]['req']) => Promise<BackgroundOwnApi[K]['res']> };

const handlers: Handlers = {
  'bg.ping': async () => ({ startedAt, version: browser.runtime.getManifest().version }),
  'page.extract': async ({ tabId }) => extractFromTab(tabId ?? (await activeTabId())),
};

async function activeTabId(): Promise<number> {
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  if (tab?.id === undefined) throw new ConfidantError('E_UNREADABLE_PAGE', 'There is no active tab to read.');
  return tab.id;
}

/** Engine requests go to the offscreen document, created on demand. */
async function forwardToEngine(type: Parameters<typeof askOffscreen>[0], payload: unknown): Promise<unknown> {
  await ensureOffscreen();
  try {
    return await askOffscreen(type, payload as never);
  } catch (e) {
    // The document can exist before its script has registered its listener; retry once briefly.
    if (e instanceof Error && /Receiving end does not exist/.test(e.message)) {
      await new Promise((r) => setTimeout(r, 100));
      return askOffscreen(type, payload as never);
    }
    throw e;
  }
}

export function route(msg: unknown): Promise<Reply<unknown>> | undefined {
  if (!isEnvelopeFor(msg, 'background')) return undefined; // not our mail
  const { type, payload } = msg;
  if (type in handlers) {
    const h = handlers[type as keyof Handlers] as (p: unknown) => Promise<unknown>;
    return toReply(() => h(payload));
  }
  if (isEngineType(type)) return toReply(() => forwardToEngine(type, payload));
  return toReply(() => {
    throw new ConfidantError('E_BAD_REQUEST', `Unknown request type: ${type}`);
  });
}
