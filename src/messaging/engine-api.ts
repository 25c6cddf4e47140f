/**
 * The engine's API: what the dedicated Worker (SQLite + sqlite-vec on OPFS, embeddings)
 * answers. The panel addresses these through the background, which forwards them to the
 * offscreen document, which posts them to the worker. One map, typed end to end.
 */
import type { ConversationRecord, ConversationSummary } from './views.ts';
import type { DocSummary, LibraryState, NewDocument, Progress, SearchResult, SearchScope, StorageUsage } from './library.ts';

export interface EngineStatus {
  sqliteVersion: string;
  vecVersion: string;
  fts5: boolean;
  vfs: string;
  schemaVersion: number;
  /** Milliseconds the worker took to open the database. */
  openMs: number;
  crossOriginIsolated: boolean;
}

/** Where the embedding model runs: the GPU through WebGPU, or the CPU through WebAssembly. */
export interface EmbedBackend {
  device: 'webgpu' | 'wasm';
  /** The WebGPU adapter (vendor, architecture), when on the GPU. */
  adapter?: string;
  threads: number;
  /** Why the model is on WebAssembly although this browser has a WebGPU adapter. */
  fallback?: string;
}

export interface ModelState {
  modelId: string;
  /** not-loaded: nothing on the device yet, the user must agree to a download. */
  state: 'not-loaded' | 'loading' | 'ready' | 'error';
  error?: string;
  dims?: number;
  /** ONNX Runtime threads actually in use (fixed for the engine's life once the runtime started). */
  threads?: number;
  /** What the loaded model runs on (Settings shows it). */
  backend?: EmbedBackend;
  /** Where the model's files are: in the build, or downloaded once into the extension's cache. */
  source?: 'bundled' | 'downloaded';
  /** The files the model is made of (paths as in its repository): what a folder must hold. */
  files?: string[];
}

/**
 * Loading a model from a folder: the panel copies the picked files into this cache (Cache
 * Storage is shared by the extension's pages and workers) under `MODEL_IMPORT_ORIGIN + path`,
 * then asks for 'model.import'. The engine checks them, keeps them in the model store and
 * deletes this cache. Tens of megabytes thus never cross the message relays (panel → background
 * → offscreen → worker), which would copy them four times as JSON.
 */
export const MODEL_IMPORT_CACHE = 'confidant-model-import';
export const MODEL_IMPORT_ORIGIN = 'https://model-import.confidant.invalid/';

export interface ModelConfig {
  modelId: string;
  /** A host to download from instead of the Hugging Face hub (tests serve generated models locally). */
  remoteHost?: string | null;
  remotePathTemplate?: string;
  threads?: number;
  /** SHA-256 (hex) of files by path, checked on download in addition to those the model's spec knows. */
  sha256?: Record<string, string>;
}

/** Text of a PDF, as light Markdown (paragraphs; headings guessed from font size). */
export interface PdfText {
  /** The document's own title if it has a meaningful one, else its first heading or line. */
  title: string;
  /** The title from the document's metadata alone (an imported file falls back to its name instead). */
  metadataTitle: string | null;
  text: string;
  pages: number;
}

type Empty = Record<string, never>;

export interface EngineApi {
  'engine.status': { req: Empty; res: EngineStatus };
  /** A small key/value table for non-secret state (settings markers, tests of persistence). */
  'kv.put': { req: { key: string; value: string }; res: null };
  'kv.get': { req: { key: string }; res: string | null };

  'model.state': { req: Empty; res: ModelState };
  /** Sets the model and, with the user's go-ahead, loads it (downloading once if needed). */
  'model.load': { req: ModelConfig; res: ModelState };
  /** Loads the model from files the panel staged (see MODEL_IMPORT_CACHE), checked like a download. */
  'model.import': { req: ModelConfig; res: ModelState };

  'library.state': { req: Empty; res: LibraryState };
  'library.setup': { req: { passphrase: string | null }; res: LibraryState };
  'library.unlock': { req: { passphrase?: string | null }; res: LibraryState };
  'library.lock': { req: Empty; res: LibraryState };
  'library.changePassphrase': { req: { current: string | null; next: string | null }; res: LibraryState };
  'library.setAutoLock': { req: { minutes: number }; res: LibraryState };
  'library.save': { req: { doc: NewDocument }; res: DocSummary };
  /** Indexes a page in memory only; `embedded` is false when the model was not here (keywords only). */
  /** A page asked about, indexed in memory (or found indexed already); a long one is embedded in the background. */
  'library.indexPage': { req: { doc: NewDocument }; res: { docId: number; chunks: number; totalChunks: number; embedded: boolean; embedding: boolean } };
  'library.list': { req: Empty; res: DocSummary[] };
  'library.get': { req: { id: number }; res: { summary: DocSummary; text: string } };
  'library.delete': { req: { id: number }; res: null };
  'library.search': { req: { query: string; scope: SearchScope; k: number }; res: SearchResult };
  'library.export': { req: { currentPassphrase: string | null; backupPassphrase: string }; res: string };
  'library.import': { req: { backup: string; passphrase: string }; res: { imported: number } };
  'library.wipe': { req: Empty; res: LibraryState };
  'storage.usage': { req: Empty; res: StorageUsage };
  /** Small secrets (the gateway API key), sealed under the library's data key. */
  'secret.put': { req: { name: string; value: string | null }; res: null };
  'secret.get': { req: { name: string }; res: string | null };
  /** Conversations, sealed like documents. `body` is the conversation JSON (ConversationRecord). */
  'conversations.list': { req: Empty; res: ConversationSummary[] };
  'conversations.get': { req: { id: number }; res: ConversationRecord };
  'conversations.save': { req: { conversation: ConversationRecord }; res: ConversationSummary };
  'conversations.delete': { req: { id: number }; res: null };
  /** A PDF (base64 bytes) read locally with pdf.js inside the engine. */
  'pdf.extract': { req: { data: string }; res: PdfText };
}

export type EngineType = keyof EngineApi;

/** Runtime list of engine request types, so the background can route without knowing each one. */
export const ENGINE_TYPES = [
  'engine.status', 'kv.put', 'kv.get', 'model.state', 'model.load', 'model.import',
  'library.state', 'library.setup', 'library.unlock', 'library.lock', 'library.changePassphrase', 'library.setAutoLock',
  'library.save', 'library.indexPage', 'library.list', 'library.get', 'library.delete', 'library.search',
  'library.export', 'library.import', 'library.wipe', 'storage.usage',
  'secret.put', 'secret.get', 'conversations.list', 'conversations.get', 'conversations.save', 'conversations.delete',
  'pdf.extract',
] as const satisfies readonly EngineType[];

// Every request type listed, none missing: a compile-time check.
type Missing = Exclude<EngineType, (typeof ENGINE_TYPES)[number]>;
const _allListed: Missing extends never ? true : Missing = true;
void _allListed;

export function isEngineType(t: unknown): t is EngineType {
  return typeof t === 'string' && (ENGINE_TYPES as readonly string[]).includes(t);
}

/**
 * The engine requests the panel may make (through the background): all but the secrets. The API
 * key is read only where requests are sealed (the background) and written through `apiKey.set`.
 */
export const PANEL_ENGINE_TYPES = ENGINE_TYPES.filter((t): t is Exclude<EngineType, 'secret.get' | 'secret.put'> => t !== 'secret.get' && t !== 'secret.put');
export type PanelEngineType = Exclude<EngineType, 'secret.get' | 'secret.put'>;
export type PanelEngineApi = Pick<EngineApi, PanelEngineType>;

export function isPanelEngineType(t: unknown): t is PanelEngineType {
  return typeof t === 'string' && (PANEL_ENGINE_TYPES as readonly string[]).includes(t);
}

/** Worker wire format (offscreen ↔ worker, postMessage). */
export interface WorkerRequest<K extends string = EngineType> {
  id: number;
  type: K;
  payload: unknown;
}

/** Unsolicited news from the engine (progress, auto-lock), relayed to every panel. */
export type EngineEvent =
  | { kind: 'progress'; progress: Progress }
  | { kind: 'locked'; reason: 'idle' | 'user' }
  /** The model's state changed on its own (WebGPU failed and it moved to WebAssembly). */
  | { kind: 'model'; state: ModelState };
