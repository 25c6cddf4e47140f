/** Typed requests across contexts, answered as Reply data (reply.ts). */
import { type Reply, unwrap } from './reply.ts';
import type { Envelope } from './envelope.ts';
import type { PanelApi, PanelType } from './panel-api.ts';
import type { EngineApi, EngineType } from './engine-api.ts';

/** Typed request from an extension page to the background (which wakes it if it sleeps). */
export async function askBackground<K extends PanelType>(type: K, payload: PanelApi[K]['req']): Promise<PanelApi[K]['res']> {
  const msg: Envelope<K, PanelApi[K]['req']> = { target: 'background', type, payload };
  const reply = (await chrome.runtime.sendMessage(msg)) as Reply<PanelApi[K]['res']> | undefined;
  return unwrap(reply, type);
}

/** Typed request from the background to the offscreen document (engine relay). */
export async function askOffscreen<K extends EngineType>(type: K, payload: EngineApi[K]['req']): Promise<EngineApi[K]['res']> {
  return unwrap(await sendOffscreen(type, payload), type) as EngineApi[K]['res'];
}

/** The same, answering the reply as data (the test build's debug relay passes it on unchanged). */
export async function sendOffscreen(type: string, payload: unknown): Promise<Reply<unknown> | undefined> {
  const msg: Envelope = { target: 'offscreen', type, payload };
  return (await chrome.runtime.sendMessage(msg)) as Reply<unknown> | undefined;
}
