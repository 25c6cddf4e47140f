/**
 * Offscreen document: starts the one engine Worker and relays requests to it.
 * No logic of its own; it exists because a service worker cannot own a Worker.
 */
import browser from 'webextension-polyfill';
import { isEnvelopeFor } from '../messaging/background.ts';
import { isEngineType } from '../messaging/engine.ts';
import type { Reply } from '../messaging/reply.ts';
import { EngineClient } from './engine-client.ts';

// Engine events (progress, auto-lock) go to every panel; none may be open, which is fine.
const engine = new EngineClient((event) => {
  browser.runtime.sendMessage({ target: 'panel', type: 'engine.event', payload: event }).catch(() => {});
});

browser.runtime.onMessage.addListener((msg: unknown): Promise<Reply<unknown>> | undefined => {
  if (!isEnvelopeFor(msg, 'offscreen') || !isEngineType(msg.type)) return undefined;
  return engine.request(msg.type, msg.payload as never);
});
