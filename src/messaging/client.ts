import browser from 'webextension-polyfill';
import { type Reply, unwrap } from './reply.ts';
import type { Envelope, PanelApi, PanelType } from './background.ts';
import type { EngineApi, EngineType } from './engine.ts';

/** Typed request from an extension page to the background (which wakes it if it sleeps). */
export async function askBackground<K extends PanelType>(type: K, payload: PanelApi[K]['req']): Promise<PanelApi[K]['res']> {
  const msg: Envelope<K, PanelApi[K]['req']> = { target: 'background', type, payload };
  const reply = (await browser.runtime.sendMessage(msg)) as Reply<PanelApi[K]['res']> | undefined;
  return unwrap(reply, type);
}

/** Typed request from the background to the offscreen document (engine relay). */
export async function askOffscreen<K extends EngineType>(type: K, payload: EngineApi[K]['req']): Promise<EngineApi[K]['res']> {
  const msg: Envelope<K, EngineApi[K]['req']> = { target: 'offscreen', type, payload };
  const reply = (await browser.runtime.sendMessage(msg)) as Reply<EngineApi[K]['res']> | undefined;
  return unwrap(reply, type);
}
