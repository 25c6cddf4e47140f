/** A fake transport and platform for panel models: scripted replies, recorded calls, a controllable chat port. */
import { matchModelFiles } from '../../src/sidepanel/lib/model-folder.ts';
import { ConfidantError, type ErrorCode } from '../../src/core/errors.ts';
import { defaultSettings, type Settings } from '../../src/core/settings/settings.ts';
import { DEFAULT_ENDPOINTS } from '../../src/core/providers/types.ts';
import type { PanelApi, PanelEvent, PanelType } from '../../src/messaging/panel-api.ts';
import type { ChatToBackground, ChatToPanel } from '../../src/messaging/chat-port.ts';
import type { NewDocument, Passage } from '../../src/messaging/library.ts';
import type { ChatPort, PickedFile, Platform, Transport } from '../../src/sidepanel/transport.ts';

type Handler<K extends PanelType> = (payload: PanelApi[K]['req']) => PanelApi[K]['res'] | Promise<PanelApi[K]['res']>;

export class FakePort implements ChatPort {
  posted: ChatToBackground[] = [];
  disconnected = false;
  private listeners: ((m: ChatToPanel) => void)[] = [];
  private closers: (() => void)[] = [];
  post(msg: ChatToBackground): void {
    if (this.disconnected) throw new Error('port closed');
    this.posted.push(msg);
  }
  onMessage(l: (m: ChatToPanel) => void): void {
    this.listeners.push(l);
  }
  onDisconnect(l: () => void): void {
    this.closers.push(l);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  /** The background sends something. */
  send(m: ChatToPanel): void {
    for (const l of this.listeners) l(m);
  }
  /** The background goes away. */
  drop(): void {
    for (const l of this.closers) l();
  }
}

export class FakeTransport implements Transport {
  calls: { type: PanelType; payload: unknown }[] = [];
  ports: FakePort[] = [];
  private handlers: Partial<{ [K in PanelType]: Handler<K> }> = {};
  private listeners: ((e: PanelEvent) => void)[] = [];

  on<K extends PanelType>(type: K, h: Handler<K>): this {
    (this.handlers as Record<string, unknown>)[type] = h;
    return this;
  }
  fail(type: PanelType, code: ErrorCode, message: string = code, detail?: Record<string, unknown>): this {
    (this.handlers as Record<string, unknown>)[type] = () => {
      throw new ConfidantError(code, message, detail);
    };
    return this;
  }
  async request<K extends PanelType>(type: K, payload: PanelApi[K]['req']): Promise<PanelApi[K]['res']> {
    this.calls.push({ type, payload });
    const h = this.handlers[type] as Handler<K> | undefined;
    if (!h) throw new ConfidantError('E_BAD_REQUEST', `unexpected request ${type}`);
    return h(payload);
  }
  types(): PanelType[] {
    return this.calls.map((c) => c.type);
  }
  /** The payload of the first request of this type. */
  payloadOf<K extends PanelType>(type: K): PanelApi[K]['req'] | undefined {
    return this.calls.find((c) => c.type === type)?.payload as PanelApi[K]['req'] | undefined;
  }
  /** The payload of the last request of this type. */
  lastPayloadOf<K extends PanelType>(type: K): PanelApi[K]['req'] | undefined {
    return this.calls.findLast((c) => c.type === type)?.payload as PanelApi[K]['req'] | undefined;
  }
  onEvent(l: (e: PanelEvent) => void): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  emit(e: PanelEvent): void {
    for (const l of this.listeners) l(e);
  }
  connectChat(): ChatPort {
    const p = new FakePort();
    this.ports.push(p);
    return p;
  }
  get port(): FakePort {
    return this.ports[this.ports.length - 1]!;
  }
}

export class FakePlatform implements Platform {
  tabOverride: number | null = null;
  log: string[] = [];
  granted = true;
  downloads: { fileName: string; text: string; mime: string }[] = [];
  opened: string[] = [];
  clock = 1_700_000_000_000;
  docs = new Map<string, NewDocument | Error>();
  tabs = new Map<number, { url: string | null; title: string | null }>();
  async tabInfo(tabId: number) {
    const t = this.tabs.get(tabId);
    return t ? { tabId, ...t } : null;
  }
  endpoints = DEFAULT_ENDPOINTS;
  tabsAccess = true;
  async requestTabsAccess(): Promise<boolean> {
    return this.tabsAccess;
  }
  async requestOrigins(patterns: string[]): Promise<boolean> {
    this.log.push(`permission ${patterns.join(' ')}`);
    return this.granted;
  }
  async openTab(url: string): Promise<void> {
    this.opened.push(url);
  }
  download(fileName: string, text: string, mime: string): void {
    this.downloads.push({ fileName, text, mime });
  }
  async copyText(text: string): Promise<void> {
    this.log.push(`copy ${text}`);
  }
  async persistStorage(): Promise<boolean> {
    return true;
  }
  async readDocument(file: PickedFile): Promise<NewDocument> {
    const d = this.docs.get(file.name);
    if (!d) throw new ConfidantError('E_PARSE', `cannot read ${file.name}`);
    if (d instanceof Error) throw d;
    return d;
  }
  async readText(file: PickedFile): Promise<string> {
    return `text of ${file.name}`;
  }
  staged: string[] = [];
  async stageModelFiles(files: readonly PickedFile[], wanted: readonly string[]): Promise<{ missing: string[] }> {
    const { chosen, missing } = matchModelFiles(files.map((f) => f.webkitRelativePath || f.name), wanted);
    if (!missing.length) this.staged = [...chosen.keys()];
    return { missing };
  }
  now(): number {
    return this.clock;
  }
}

export const PROFILE_ID = '0123456789abcdef';

export const SETTINGS: Settings = {
  ...defaultSettings(),
  gateways: [{ id: PROFILE_ID, provider: 'confidant', label: 'Confidant gateway', url: 'https://gw.example.com', development: false, trust: { kind: 'none' }, allowUnknownSoftware: false }],
  activeGatewayId: PROFILE_ID,
  passages: 3,
  confirmBeforeSend: false,
  neverReadSites: [],
  reasoningEffort: 'medium',
  autoLockMinutes: 15,
};

export function passage(n: number, over: Partial<Passage> = {}): Passage {
  return { chunkId: n, docId: 100, title: `Doc ${n}`, url: 'https://news.example.com/story', text: `Passage ${n} text.`, start: 0, end: 10, heading: '', score: 1 / n, ...over };
}

/** Lets pending promise callbacks run. */
export const tick = () => new Promise((r) => setTimeout(r, 0));
