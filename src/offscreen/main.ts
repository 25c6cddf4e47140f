/**
 * Offscreen document: starts the one engine Worker and relays requests to it. No logic of its
 * own; it exists because a service worker cannot own a Worker. It takes requests from the
 * service worker only (the background decides which engine requests a panel may make), and the
 * debug requests only in the test build.
 */
import { isDebugType } from '../messaging/debug-api.ts';
import { isEngineType } from '../messaging/engine-api.ts';
import { isEnvelopeFor, isServiceWorkerSender } from '../messaging/envelope.ts';
import type { Reply } from '../messaging/reply.ts';
import { EngineClient } from './engine-client.ts';

const ORIGIN = chrome.runtime.getURL('');

// Engine events (progress, auto-lock) go to every panel; none may be open, which is fine.
const engine = new EngineClient((event) => {
  chrome.runtime.sendMessage({ target: 'panel', type: 'engine.event', payload: event }).catch(() => {});
});

chrome.runtime.onMessage.addListener((msg: unknown, sender, sendResponse) => {
  if (!isEnvelopeFor(msg, 'offscreen')) return undefined;
  // Only the service worker (an offscreen document has no runtime.getManifest to name its script).
  if (!isServiceWorkerSender(sender, chrome.runtime.id, ORIGIN)) return undefined;
  if (!isEngineType(msg.type) && !(__TEST_BUILD__ && isDebugType(msg.type))) return undefined;
  void engine.request(msg.type, msg.payload).then((r: Reply<unknown>) => sendResponse(r));
  return true;
});
