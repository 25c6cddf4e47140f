/**
 * What models need from the outside world, as two small interfaces. The composition root
 * (main.tsx) hands in the real ones built here; model tests hand in fakes.
 *
 * - Transport: requests to the background, events from it, and the chat port.
 * - Platform: the few browser services a panel uses directly (permissions, tabs, downloads,
 *   clipboard, persistent storage, reading files, the clock).
 */
import type { Endpoints } from '../core/providers/types.ts';
import type { NewDocument } from '../messaging/library.ts';
import type { PanelApi, PanelEvent, PanelType } from '../messaging/panel-api.ts';
import type { ChatToBackground, ChatToPanel } from '../messaging/chat-port.ts';

export interface Transport {
  request<K extends PanelType>(type: K, payload: PanelApi[K]['req']): Promise<PanelApi[K]['res']>;
  /** Subscribe to events for panels; returns the unsubscribe function. */
  onEvent(listener: (event: PanelEvent) => void): () => void;
  /** A new chat port; closing it stops its request. */
  connectChat(): ChatPort;
}

export interface ChatPort {
  post(msg: ChatToBackground): void;
  onMessage(listener: (msg: ChatToPanel) => void): void;
  /** Called once when the other side closes the port (or the service worker goes away). */
  onDisconnect(listener: () => void): void;
  disconnect(): void;
}

/** A file the person picked, as the panel's <input type=file> gives it. */
export interface PickedFile {
  name: string;
  type: string;
  size: number;
  /** Path below the picked folder's parent (folder inputs only; "" otherwise). */
  webkitRelativePath?: string;
}

export interface Platform {
  /** `?tab=ID` in the test build (the panel opened in a tab of its own acts on that tab); null otherwise. */
  readonly tabOverride: number | null;
  /** A tab's address and title (test build: the `?tab=` tab, when the background cannot tell). */
  tabInfo(tabId: number): Promise<{ tabId: number; url: string | null; title: string | null } | null>;
  /** Ask for host access (patterns such as `https://host/*`); must be called from a click handler. */
  requestOrigins(patterns: string[]): Promise<boolean>;
  /** Ask for the optional "tabs" permission (to list tabs by title); from a click handler. */
  requestTabsAccess(): Promise<boolean>;
  /** Where the services around endpoints are reached (the test build may point them at stand-ins). */
  readonly endpoints: Endpoints;
  /** Opens a URL in a new tab beside the current one. */
  openTab(url: string): Promise<void>;
  /** Saves text as a file through the browser's download. */
  download(fileName: string, text: string, mime: string): void;
  copyText(text: string): Promise<void>;
  /** navigator.storage.persist(): true when the browser agreed. */
  persistStorage(): Promise<boolean>;
  /** Turns a picked file into a document (text, Markdown, HTML, PDF). */
  readDocument(file: PickedFile): Promise<NewDocument>;
  readText(file: PickedFile): Promise<string>;
  /**
   * Copies the model's files out of a picked folder into the engine's staging cache (see
   * MODEL_IMPORT_CACHE), without reading them into memory; says which wanted files it lacks.
   */
  stageModelFiles(files: readonly PickedFile[], wanted: readonly string[]): Promise<{ missing: string[] }>;
  now(): number;
}
