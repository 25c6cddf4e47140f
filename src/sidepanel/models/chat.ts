/**
 * One conversation: asking (read the page, index it, retrieve passages, show what will be sent,
 * wait for Send when asked to, then stream the answer through the chat port), stopping,
 * regenerating, citations, and the conversations kept in the encrypted store.
 */
import { batch, computed, signal } from '@preact/signals';
import { ConfidantError, toErrorData, type ErrorCode, type ErrorData } from '../../core/errors.ts';
import type { Settings } from '../../core/settings/settings.ts';
import type { AttestState, ConversationRecord, ConversationSummary, Receipt } from '../../messaging/views.ts';
import type { ChatToPanel, ChatTurn } from '../../messaging/chat-port.ts';
import type { PendingSelection, TabInfo } from '../../messaging/panel-api.ts';
import type { Passage, Retrieval } from '../../messaging/library.ts';
import {
  decodeError,
  encodeError,
  historyFrom,
  isBusy,
  needsPage,
  searchScope,
  titleFor,
  type AskScope,
  type Phase,
} from '../lib/chat.ts';
import { textFragmentUrl } from '../lib/citations.ts';
import { conversationFileName, conversationMarkdown } from '../lib/export.ts';
import { samePage } from '../lib/format.ts';
import { createTabPickerModel } from './tab-picker.ts';
import type { ChatPort, Platform, Transport } from '../transport.ts';

export interface ChatMessage {
  id: number;
  role: 'user' | 'assistant';
  content: string;
  reasoning: string;
  /** Passages sent with the question this answers (numbered [1]..[n] in the answer). */
  passages: Passage[];
  /** How they were chosen (the panel says so when it was not by meaning). */
  retrieval: Retrieval;
  receipt: Receipt | null;
  error: ErrorData | null;
  /** When a rate-limited request may be retried (ms since epoch). */
  retryAt: number | null;
  status: 'streaming' | 'done' | 'stopped' | 'error';
  /** The background's latest status (a message key) while the answer is on its way. */
  statusText: string | null;
}

/** What will be sent, waiting for the person's Send when "confirm before sending" is on. */
export interface PendingSend {
  question: string;
  history: ChatTurn[];
  passages: Passage[];
  retrieval: Retrieval;
  /** chunkIds the person chose not to send. */
  excluded: number[];
  scope: AskScope;
  pageTitle: string | null;
}

export type CiteOutcome = 'highlighted' | 'notFound' | 'opened' | 'noSource' | 'failed';

export interface ChatDeps {
  transport: Transport;
  platform: Platform;
  settings: () => Settings | null;
  attestState: () => AttestState;
  libraryUnlocked: () => boolean;
  /** Changes whenever the library locks (ephemeral page indexes are dropped then). */
  lockCount: () => number;
  activeTab: () => Promise<{ tabId: number; url: string | null; title: string | null }>;
}

const DEFAULT_PASSAGES = 5;

function localError(code: ErrorCode, messageKey: string, detail: Record<string, unknown> = {}): ConfidantError {
  return new ConfidantError(code, messageKey, { messageKey, ...detail });
}

export function createChatModel(deps: ChatDeps) {
  const { transport, platform } = deps;
  const messages = signal<ChatMessage[]>([]);
  const phase = signal<Phase>('idle');
  const pending = signal<PendingSend | null>(null);
  /** A failure before anything was sent: shown above the composer with what to do next. */
  const error = signal<ErrorData | null>(null);
  const draft = signal('');
  const scope = signal<AskScope>('page');
  const conversationId = signal(0);
  const conversationTitle = signal<string | null>(null);
  const conversations = signal<ConversationSummary[] | null>(null);
  const conversationsError = signal<ErrorData | null>(null);
  /** The conversation could not be stored (the library is locked, say). */
  const unsaved = signal(false);
  const lastCite = signal<{ messageId: number; n: number; outcome: CiteOutcome } | null>(null);
  /** A selection the context menu asked about: questions in the 'selection' scope are about it. */
  const selection = signal<PendingSelection | null>(null);
  /** Changes when a selection arrives, so the view can focus the question box. */
  const selectionToken = signal(0);
  /** Open tabs the person chose to ask about together (the 'tabs' scope), and choosing them. */
  const tabs = signal<TabInfo[]>([]);
  const tabPicker = createTabPickerModel({ transport, platform, activeTab: deps.activeTab });

  const busy = computed(() => isBusy(phase.value));
  const canRegenerate = computed(() => {
    const list = messages.value;
    const last = list[list.length - 1];
    return phase.value === 'idle' && last?.role === 'assistant' && list.length >= 2;
  });

  let nextId = 1;
  let run = 0;
  let port: ChatPort | null = null;
  let createdAt = 0;

  function update(id: number, patch: Partial<ChatMessage> | ((m: ChatMessage) => Partial<ChatMessage>)): void {
    messages.value = messages.value.map((m) => (m.id === id ? { ...m, ...(typeof patch === 'function' ? patch(m) : patch) } : m));
  }

  function newMessage(role: ChatMessage['role'], content: string, passages: Passage[] = [], retrieval: Retrieval = 'hybrid'): ChatMessage {
    return { id: nextId++, role, content, reasoning: '', passages, retrieval, receipt: null, error: null, retryAt: null, status: role === 'user' ? 'done' : 'streaming', statusText: null };
  }

  // ---- the selection from the context menu ------------------------------------------------------

  function useSelection(p: PendingSelection): void {
    batch(() => {
      selection.value = p;
      scope.value = 'selection';
      selectionToken.value++;
    });
  }

  /** Drops the selection; questions go back to the whole page. */
  function clearSelection(): void {
    batch(() => {
      selection.value = null;
      if (scope.value === 'selection') scope.value = 'page';
    });
  }

  /** Questions now go to these tabs together. */
  function useTabs(chosen: TabInfo[]): void {
    batch(() => {
      tabs.value = chosen;
      scope.value = chosen.length ? 'tabs' : 'page';
    });
  }

  /** Back to asking about the page in front of the person. */
  function clearTabs(): void {
    batch(() => {
      tabs.value = [];
      if (scope.value === 'tabs') scope.value = 'page';
    });
  }

  /** At start: a selection the context menu asked about before the panel was open. */
  async function takePendingSelection(): Promise<void> {
    const p = await transport.request('ask.pending', {}).catch(() => null);
    if (p) useSelection(p);
  }

  const unsubscribe = transport.onEvent((e) => {
    if (e.type === 'ask.selection') {
      // Handed over by the event; the stored copy is no longer needed.
      void transport.request('ask.pending', {}).catch(() => null);
      useSelection(e.payload);
    }
  });

  // ---- asking ---------------------------------------------------------------------------------

  /**
   * Has the background read and index the page the panel acts on (or only its selection). The
   * page's text never comes to the panel: only the passages retrieved from it do.
   */
  /**
   * Reads each chosen tab for the question (one after another: they share the model). A tab that
   * cannot be read fails the question with its title, so the person can leave it out.
   */
  async function indexTabs(myRun: number): Promise<{ docIds: number[]; title: string | null }> {
    phase.value = 'reading';
    const docIds: number[] = [];
    for (const tab of tabs.value) {
      try {
        const page = await transport.request('page.index', { tabId: tab.tabId });
        docIds.push(page.docId);
      } catch (e) {
        const data = toErrorData(e);
        throw new ConfidantError(data.code, `“${tab.title ?? tab.url ?? tab.tabId}”: ${data.message}`, data.detail);
      }
      if (myRun !== run) throw localError('E_ABORTED', 'stopped');
    }
    return { docIds, title: null };
  }

  async function indexCurrentPage(myRun: number, onlySelection: boolean): Promise<{ docId: number; title: string | null }> {
    phase.value = 'reading';
    // The selection lives in the tab the context menu was used in, whichever tab is active now.
    const picked = onlySelection ? selection.value : null;
    const tabId = picked ? picked.tabId : (await deps.activeTab()).tabId;
    if (myRun !== run) throw localError('E_ABORTED', 'stopped');
    phase.value = 'indexing';
    const page = await transport.request('page.index', { tabId, ...(onlySelection ? { selection: true } : {}) });
    if (myRun !== run) throw localError('E_ABORTED', 'stopped');
    return { docId: page.docId, title: page.title };
  }

  /** Asks a question: retrieval first, then (after confirmation when asked for) the answer. */
  async function ask(question: string = draft.value): Promise<void> {
    const q = question.trim();
    if (!q || busy.value || pending.value) return;
    const myRun = ++run;
    const chosen = scope.value;
    const history = historyFrom(messages.value);
    const user = newMessage('user', q);
    batch(() => {
      error.value = null;
      draft.value = '';
      messages.value = [...messages.value, user];
    });
    try {
      if (deps.attestState() === 'not-configured') throw localError('E_NOT_ATTESTED', 'errNoGateway');
      if (!deps.libraryUnlocked()) throw new ConfidantError('E_LOCKED', 'The library is locked.');
      let docIds: number[] = [];
      let pageTitle: string | null = null;
      if (chosen === 'tabs') ({ docIds, title: pageTitle } = await indexTabs(myRun));
      else if (needsPage(chosen)) {
        const page = await indexCurrentPage(myRun, chosen === 'selection');
        docIds = [page.docId];
        pageTitle = page.title;
      }
      if (myRun !== run) return;
      phase.value = 'retrieving';
      const k = deps.settings()?.passages ?? DEFAULT_PASSAGES;
      const { passages, retrieval } = await transport.request('library.search', { query: q, scope: searchScope(chosen, docIds), k });
      if (myRun !== run) return;
      if (deps.settings()?.confirmBeforeSend) {
        batch(() => {
          pending.value = { question: q, history, passages, retrieval, excluded: [], scope: chosen, pageTitle };
          phase.value = 'confirm';
        });
        return;
      }
      stream(q, history, passages, retrieval);
    } catch (e) {
      if (myRun !== run) return;
      const data = toErrorData(e);
      batch(() => {
        messages.value = messages.value.filter((m) => m.id !== user.id);
        if (!draft.value) draft.value = q;
        phase.value = 'idle';
        if (data.code !== 'E_ABORTED') error.value = data;
      });
    }
  }

  /** Toggles whether one passage goes with the question (while confirming). */
  function togglePassage(chunkId: number): void {
    const p = pending.value;
    if (!p) return;
    const excluded = p.excluded.includes(chunkId) ? p.excluded.filter((c) => c !== chunkId) : [...p.excluded, chunkId];
    pending.value = { ...p, excluded };
  }

  /** The person looked at what will be sent and clicked Send. */
  function confirmSend(): void {
    const p = pending.value;
    if (!p) return;
    pending.value = null;
    stream(
      p.question,
      p.history,
      p.passages.filter((x) => !p.excluded.includes(x.chunkId)),
      p.retrieval,
    );
  }

  function cancelPending(): void {
    const p = pending.value;
    if (!p) return;
    run++;
    batch(() => {
      pending.value = null;
      phase.value = 'idle';
      const list = messages.value;
      const last = list[list.length - 1];
      if (last?.role === 'user' && last.content === p.question) messages.value = list.slice(0, -1);
      if (!draft.value) draft.value = p.question;
    });
  }

  function stream(question: string, history: ChatTurn[], passages: Passage[], retrieval: Retrieval): void {
    const answer = newMessage('assistant', '', passages, retrieval);
    const myPort = transport.connectChat();
    port = myPort;
    let ended = false;
    batch(() => {
      messages.value = [...messages.value, answer];
      phase.value = 'sending';
    });
    const end = () => {
      ended = true;
      if (port === myPort) port = null;
      myPort.disconnect();
      phase.value = 'idle';
      void persist();
    };
    myPort.onMessage((m: ChatToPanel) => {
      if (ended || port !== myPort) return;
      switch (m.type) {
        case 'status':
          update(answer.id, { statusText: m.key });
          break;
        case 'delta':
          if (phase.value !== 'streaming') phase.value = 'streaming';
          update(answer.id, (x) => ({ content: x.content + (m.content ?? ''), reasoning: x.reasoning + (m.reasoning ?? ''), statusText: null }));
          break;
        case 'done':
          update(answer.id, { receipt: m.receipt, status: 'done', statusText: null });
          end();
          break;
        case 'error':
          update(answer.id, {
            error: m.error,
            status: 'error',
            statusText: null,
            retryAt: m.retryAfter !== undefined ? platform.now() + m.retryAfter * 1000 : null,
          });
          end();
          break;
      }
    });
    myPort.onDisconnect(() => {
      if (ended || port !== myPort) return;
      update(answer.id, { status: 'error', statusText: null, error: localError('E_INTERNAL', 'errPortClosed').toData() });
      end();
    });
    myPort.post({ type: 'ask', question, history, passages });
  }

  /** Stops whatever runs: retrieval, a pending confirmation, or a streaming answer. */
  function stop(): void {
    if (phase.value === 'confirm') return cancelPending();
    if (phase.value === 'sending' || phase.value === 'streaming') {
      const p = port;
      port = null;
      if (p) {
        try {
          p.post({ type: 'stop' });
        } catch {
          /* already closed */
        }
        p.disconnect();
      }
      const list = messages.value;
      const last = list[list.length - 1];
      if (last?.role === 'assistant' && last.status === 'streaming') update(last.id, { status: 'stopped', statusText: null });
      phase.value = 'idle';
      void persist();
      return;
    }
    if (busy.value) {
      run++;
      const list = messages.value;
      const last = list[list.length - 1];
      batch(() => {
        if (last?.role === 'user') {
          messages.value = list.slice(0, -1);
          if (!draft.value) draft.value = last.content;
        }
        phase.value = 'idle';
      });
    }
  }

  /** Asks the last question again with the same passages (nothing new is read or retrieved). */
  function regenerate(): void {
    if (!canRegenerate.value) return;
    const list = messages.value;
    const last = list[list.length - 1]!;
    const question = list[list.length - 2];
    if (last.role !== 'assistant' || question?.role !== 'user') return;
    error.value = null;
    messages.value = list.slice(0, -1);
    stream(question.content, historyFrom(list.slice(0, -2)), last.passages, last.retrieval);
  }

  function newChat(): void {
    stop();
    run++;
    batch(() => {
      messages.value = [];
      pending.value = null;
      error.value = null;
      conversationId.value = 0;
      conversationTitle.value = null;
      unsaved.value = false;
      phase.value = 'idle';
    });
    createdAt = 0;
  }

  function dismissError(): void {
    error.value = null;
  }

  // ---- citations ------------------------------------------------------------------------------

  /** A citation [n] was clicked: highlight it on this page, or open its page at the passage. */
  async function openCitation(message: ChatMessage, n: number): Promise<CiteOutcome> {
    const passage = message.passages[n - 1];
    let outcome: CiteOutcome = 'noSource';
    try {
      if (passage?.url) {
        const tab = await deps.activeTab();
        if (samePage(passage.url, tab.url)) {
          const { found } = await transport.request('page.highlight', { tabId: tab.tabId, quote: passage.text });
          outcome = found ? 'highlighted' : 'notFound';
        } else if (/^https?:/i.test(passage.url)) {
          await platform.openTab(textFragmentUrl(passage.url, passage.text));
          outcome = 'opened';
        }
      }
    } catch {
      outcome = 'failed';
    }
    lastCite.value = { messageId: message.id, n, outcome };
    return outcome;
  }

  async function copy(message: ChatMessage, text: string): Promise<boolean> {
    try {
      await platform.copyText(text);
      return true;
    } catch {
      return false;
    }
  }

  // ---- stored conversations -----------------------------------------------------------------------

  function toRecord(): ConversationRecord | null {
    const list = messages.value.filter((m) => m.role === 'user' || m.content || m.error || m.status === 'stopped');
    const first = list.find((m) => m.role === 'user');
    if (!first) return null;
    const now = platform.now();
    if (!createdAt) createdAt = now;
    return {
      id: conversationId.value,
      title: conversationTitle.value ?? titleFor(first.content),
      createdAt,
      updatedAt: now,
      messages: list.map((m) => ({
        role: m.role,
        content: m.content,
        ...(m.reasoning ? { reasoning: m.reasoning } : {}),
        ...(m.passages.length ? { passages: m.passages } : {}),
        ...(m.passages.length && m.retrieval !== 'hybrid' ? { retrieval: m.retrieval } : {}),
        ...(m.receipt ? { receipt: m.receipt } : {}),
        ...(m.error ? { error: encodeError(m.error) } : {}),
      })),
    };
  }

  async function persist(): Promise<void> {
    const record = toRecord();
    if (!record) return;
    if (!deps.libraryUnlocked()) {
      unsaved.value = true;
      return;
    }
    try {
      const saved = await transport.request('conversations.save', { conversation: record });
      batch(() => {
        conversationId.value = saved.id;
        conversationTitle.value = saved.title;
        unsaved.value = false;
        if (conversations.value) conversations.value = [saved, ...conversations.value.filter((c) => c.id !== saved.id)];
      });
    } catch {
      unsaved.value = true;
    }
  }

  /** Downloads this conversation as a Markdown file (question, answer, sources, receipt). */
  function exportMarkdown(): boolean {
    const record = toRecord();
    if (!record) return false;
    const now = platform.now();
    platform.download(conversationFileName(record.title, now), conversationMarkdown(record, now), 'text/markdown');
    return true;
  }

  async function loadConversations(): Promise<void> {
    try {
      conversations.value = await transport.request('conversations.list', {});
      conversationsError.value = null;
    } catch (e) {
      conversationsError.value = toErrorData(e);
    }
  }

  async function openConversation(id: number): Promise<boolean> {
    try {
      const record = await transport.request('conversations.get', { id });
      stop();
      run++;
      createdAt = record.createdAt;
      batch(() => {
        conversationId.value = record.id;
        conversationTitle.value = record.title;
        pending.value = null;
        error.value = null;
        unsaved.value = false;
        phase.value = 'idle';
        messages.value = record.messages.map((m) => ({
          ...newMessage(m.role, m.content, m.passages ?? [], m.retrieval ?? 'hybrid'),
          reasoning: m.reasoning ?? '',
          receipt: m.receipt ?? null,
          error: m.error ? (decodeError(m.error) as ErrorData) : null,
          status: m.error ? 'error' : 'done',
        }));
      });
      return true;
    } catch (e) {
      conversationsError.value = toErrorData(e);
      return false;
    }
  }

  async function deleteConversation(id: number): Promise<boolean> {
    try {
      await transport.request('conversations.delete', { id });
      conversations.value = conversations.value?.filter((c) => c.id !== id) ?? null;
      if (conversationId.value === id) newChat();
      return true;
    } catch (e) {
      conversationsError.value = toErrorData(e);
      return false;
    }
  }

  return {
    messages,
    phase,
    pending,
    error,
    draft,
    scope,
    conversationId,
    conversationTitle,
    conversations,
    conversationsError,
    unsaved,
    lastCite,
    busy,
    canRegenerate,
    ask,
    togglePassage,
    confirmSend,
    cancelPending,
    stop,
    regenerate,
    newChat,
    dismissError,
    openCitation,
    copy,
    persist,
    exportMarkdown,
    selection,
    selectionToken,
    clearSelection,
    tabs,
    tabPicker,
    useTabs,
    clearTabs,
    takePendingSelection,
    loadConversations,
    openConversation,
    deleteConversation,
    dispose: () => {
      stop();
      unsubscribe();
    },
  };
}

export type ChatModel = ReturnType<typeof createChatModel>;
