import type { Check } from '../core/attest/types.ts';
import type { EngineApi } from './engine.ts';
import type { PageExtract } from './page.ts';

/** The attestation state shown on the toolbar badge and in the panel's header, the same words in both. */
export type AttestState = 'not-configured' | 'checking' | 'verified' | 'dev' | 'failed' | 'expired';

export interface GpuClaimsView {
  driverVersion: string | null;
  vbiosVersion: string | null;
  fwid: string | null;
}

export interface AttestClaimsView {
  measurement: string | null;
  /** e.g. "bl 3 · tee 0 · snp 8 · ucode 115" */
  tcb: string | null;
  chipId: string | null;
  product: string | null;
  reportData: string | null;
  nonce: string | null;
  gpus: GpuClaimsView[];
}

export interface AttestationView {
  state: AttestState;
  gatewayUrl: string | null;
  /** ms since epoch */
  checkedAt: number | null;
  expiresAt: number | null;
  keyId: string | null;
  model: string | null;
  simulated: boolean;
  checks: Check[];
  claims: AttestClaimsView | null;
  /** Why the last attempt could not even be checked (unreachable gateway, bad bundle…). */
  error: string | null;
}

export interface Settings {
  gatewayUrl: string | null;
  /** Accept simulated (development) evidence; the badge then says DEV. Off by default. */
  trustDev: boolean;
  /** Hex SEV-SNP MEASUREMENT values to accept; empty = any genuine measurement. */
  trustedMeasurements: string[];
  /** Minimum REPORTED_TCB parts. */
  minTcb: { bl?: number; tee?: number; snp?: number; ucode?: number; fmc?: number };
  /** How many passages to retrieve and send. */
  passages: number;
  /** Show what will be sent and wait for a click before sending. */
  confirmBeforeSend: boolean;
  /** Host names Confidant never reads (exact host or a parent domain). */
  neverReadSites: string[];
  reasoningEffort: 'low' | 'medium' | 'high';
  /** The library's idle auto-lock, minutes; 0 = never. */
  autoLockMinutes: number;
}

export interface ConversationSummary {
  id: number;
  title: string;
  updatedAt: number;
  messages: number;
}

/** What an answer was sent under, kept with the answer and shown on demand. */
export interface Receipt {
  gatewayUrl: string;
  keyId: string;
  measurement: string | null;
  checkedAt: number;
  sentAt: number;
  simulated: boolean;
  model: string;
  /** How many passages (and characters) left the device with the question. */
  passages: number;
  characters: number;
}

/** What the background answers itself. */
export interface BackgroundOwnApi {
  /** Liveness and state the worker rebuilt after being woken. */
  'bg.ping': { req: Record<string, never>; res: { startedAt: number; version: string } };
  /** Read a tab through the on-demand content script (the active tab when none is given). */
  'page.extract': { req: { tabId?: number }; res: PageExtract };
  /** Scroll a tab to a passage and highlight it (after a citation click). */
  'page.highlight': { req: { tabId?: number; url: string | null; quote: string }; res: { found: boolean } };
  /** The tab the panel acts on (the active tab, or `?tab=` in the test build). */
  'tabs.active': { req: Record<string, never>; res: { tabId: number; url: string | null; title: string | null } };
  'settings.get': { req: Record<string, never>; res: Settings };
  /** Changing the gateway or the trust policy re-attests. */
  'settings.set': { req: Partial<Settings>; res: Settings };
  /** The gateway API key is kept sealed in the encrypted library (so it needs it unlocked). */
  'apiKey.set': { req: { apiKey: string | null }; res: { present: boolean } };
  'apiKey.status': { req: Record<string, never>; res: { present: boolean } };
  'attest.get': { req: Record<string, never>; res: AttestationView };
  'attest.check': { req: Record<string, never>; res: AttestationView };
  /** JSON that `npm run verify -- --evidence FILE` re-verifies offline: the bundle, nonce and verdict. */
  'attest.transcript': { req: Record<string, never>; res: { fileName: string; json: string } };
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

/** Sent to panels (target 'panel'): attestation changes and engine events. */
export type PanelEvent =
  | { type: 'attest.changed'; payload: AttestationView }
  | { type: 'engine.event'; payload: import('./engine.ts').EngineEvent }
  /** Something the background did for the person (context menu saves): shown as a notice. */
  | { type: 'notice'; payload: { level: 'info' | 'error'; text: string } };
