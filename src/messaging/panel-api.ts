/**
 * The panel's API: what an extension page may ask the background (`runtime.sendMessage` with
 * `{ target: 'background', type, payload }`). The background answers its own requests and
 * forwards the engine requests the panel may make (PANEL_ENGINE_TYPES) to the offscreen engine.
 */
import type { Settings } from '../core/settings/settings.ts';
import type { PanelEngineApi, EngineEvent } from './engine-api.ts';
import type { DocSummary } from './library.ts';
import type { AttestationView } from './views.ts';

type Empty = Record<string, never>;

export interface TabInfo {
  tabId: number;
  url: string | null;
  title: string | null;
}

/** How a page was made searchable for a question. */
export interface IndexedPage {
  docId: number;
  title: string;
  url: string;
  /** Characters of readable text. */
  chars: number;
  /**
   * vectors: embedded (and keyword-indexed); keywords: keyword search only (no embedding model
   * yet); embedding: a long page found by its words now, its vectors being made in the background.
   */
  mode: 'vectors' | 'keywords' | 'embedding';
  /** Chunks indexed so far, and in all; equal when done. Big pages answer early (see page.index). */
  chunks: number;
  totalChunks: number;
}

/**
 * A selection the context menu asked about, waiting for the panel. Its text stays with the
 * background (which reads it into the index when the question is asked), never in the panel.
 */
export interface PendingSelection {
  tabId: number;
  title: string;
  url: string;
  /** Characters selected. */
  chars: number;
  at: number;
}

/** What the background answers itself. */
export interface BackgroundApi {
  /** Liveness and state the worker rebuilt after being woken. */
  'bg.ping': { req: Empty; res: { startedAt: number; version: string } };
  /** The tab the panel acts on (the active tab, or `?tab=` in the test build). */
  'tabs.active': { req: Empty; res: TabInfo };
  /** Other open tabs of this window that could be read, to ask across several. */
  'tabs.list': { req: Empty; res: TabInfo[] };
  /** The selection the context menu asked about, if any (once: it is cleared as it is handed over). */
  'ask.pending': { req: Empty; res: PendingSelection | null };
  /**
   * Reads a tab (the active one, or one the person picked from `tabs.list`) and indexes it for a
   * question, without saving it: never-read sites and unreadable pages are refused before anything
   * is injected or fetched. `selection`: only the selected text.
   */
  'page.index': { req: { tabId?: number; selection?: boolean }; res: IndexedPage };
  /** Reads a tab and saves it (or its selection) to the library. */
  'page.save': { req: { tabId?: number; selection?: boolean }; res: DocSummary };
  /** Scrolls the active tab to a passage and highlights it (after a citation click). */
  'page.highlight': { req: { tabId?: number; quote: string }; res: { found: boolean } };
  'settings.get': { req: Empty; res: Settings };
  /** Changing a gateway or the trust policy re-attests. Validated whole, on write and on read. */
  'settings.set': { req: Partial<Settings>; res: Settings };
  /** The API key of a gateway, kept sealed in the encrypted library (so it needs it unlocked). */
  'apiKey.set': { req: { profileId: string; apiKey: string | null }; res: { present: boolean } };
  'apiKey.status': { req: { profileId: string }; res: { present: boolean } };
  'attest.get': { req: Empty; res: AttestationView };
  'attest.check': { req: Empty; res: AttestationView };
  /**
   * The person's decision on software the gateway's trust source does not cover: accept this
   * value (first use, or a change) so it is trusted from now on, for the active gateway.
   */
  'trust.accept': { req: { profileId: string; value: string }; res: AttestationView };
  /** JSON that `npm run verify -- --evidence FILE` re-verifies offline: the evidence, nonce and verdict. */
  'attest.transcript': { req: Empty; res: { fileName: string; json: string } };
}

/** Everything the panel can ask the background: its own API plus the engine's, which it forwards. */
export type PanelApi = BackgroundApi & PanelEngineApi;
export type PanelType = keyof PanelApi;

/** Sent to panels (target 'panel'): attestation changes and engine events. */
export type PanelEvent =
  | { type: 'attest.changed'; payload: AttestationView }
  | { type: 'engine.event'; payload: EngineEvent }
  /** Something the background did for the person (context menu saves): shown as a notice. */
  | { type: 'notice'; payload: { level: 'info' | 'error'; text: string } }
  /** The context menu asked about a selection: the panel puts it in the composer. */
  | { type: 'ask.selection'; payload: PendingSelection };
