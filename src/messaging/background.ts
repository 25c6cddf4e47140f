import type { EngineApi } from './engine.ts';
import type { PageExtract } from './page.ts';

/** What the background service worker answers itself. */
export interface BackgroundOwnApi {
  /** Liveness and state the worker rebuilt after being woken. */
  'bg.ping': { req: Record<string, never>; res: { startedAt: number; version: string } };
  /** Read a tab through the on-demand content script (the active tab when none is given). */
  'page.extract': { req: { tabId?: number }; res: PageExtract };
}

/** Everything the panel can ask the background: its own API plus the engine's, which it forwards. */
export type PanelApi = BackgroundOwnApi & EngineApi;
export type PanelType = keyof PanelApi;

/** runtime.sendMessage reaches every extension page, so mail carries its addressee. */
export interface Envelope<K extends string = string, P = unknown> {
  target: 'background' | 'offscreen' | 'panel';
  type: K;
  payload: P;
}

export function isEnvelopeFor(msg: unknown, target: Envelope['target']): msg is Envelope {
  return typeof msg === 'object' && msg !== null && (msg as Envelope).target === target && typeof (msg as Envelope).type === 'string';
}
