/** Pure pieces of the ask flow: scopes, history, titles, keyboard, what-will-be-sent summaries. */
import type { ChatTurn } from '../../messaging/chat-port.ts';
import type { Passage, SearchScope } from '../../messaging/library.ts';
import { siteOf, truncate } from './format.ts';

/**
 * What the person chose to ask about. `selection`: only the text selected on the page (from the
 * context menu); `tabs`: several open tabs the person picked.
 */
export type AskScope = 'page' | 'library' | 'both' | 'selection' | 'tabs';
/** The scopes always offered in the composer (`selection` and `tabs` appear once chosen). */
export const ASK_SCOPES: readonly AskScope[] = ['page', 'library', 'both'];

export const SCOPE_KEY: Record<AskScope, string> = { page: 'scopePage', library: 'scopeLibrary', both: 'scopeBoth', selection: 'scopeSelection', tabs: 'scopeTabs' };

/** Most tabs asked about at once (each is read and indexed before the question). */
export const MAX_TABS = 6;

/** Does this scope need the current page read and indexed first? */
export function needsPage(scope: AskScope): boolean {
  return scope !== 'library';
}

/** What to search, given the pages read for the question (one, or one per tab). */
export function searchScope(scope: AskScope, pageDocIds: readonly number[]): SearchScope {
  if (scope === 'library') return { kind: 'library' };
  const [first] = pageDocIds;
  if (first === undefined) throw new Error('a page scope needs the page indexed first');
  if (scope === 'tabs') return { kind: 'documents', docIds: [...pageDocIds] };
  return scope === 'both' ? { kind: 'page+library', docId: first } : { kind: 'page', docId: first };
}

/** Host permission patterns that cover these pages' addresses (one per origin). */
export function originPatterns(urls: readonly (string | null)[]): string[] {
  const out = new Set<string>();
  for (const u of urls) {
    try {
      const url = new URL(u ?? '');
      if (url.protocol === 'https:' || url.protocol === 'http:') out.add(`${url.protocol}//${url.hostname}/*`);
    } catch {
      // not a web page: nothing to ask for (the background refuses it by name)
    }
  }
  return [...out];
}

/** The steps of one question, in order; each is shown while it runs. */
export type Phase = 'idle' | 'reading' | 'indexing' | 'retrieving' | 'confirm' | 'sending' | 'streaming';

export const PHASE_KEY: Record<Exclude<Phase, 'idle'>, string> = {
  reading: 'phaseReading',
  indexing: 'phaseIndexing',
  retrieving: 'phaseRetrieving',
  confirm: 'phaseConfirm',
  sending: 'phaseSending',
  streaming: 'phaseStreaming',
};

export function isBusy(phase: Phase): boolean {
  return phase !== 'idle' && phase !== 'confirm';
}

interface TurnLike {
  role: 'user' | 'assistant';
  content: string;
  error?: unknown;
}

/**
 * Earlier turns to send with a new question: complete user → assistant pairs only (an answer
 * that failed or is empty drops its question too), the most recent `maxTurns` pairs.
 */
export function historyFrom(messages: readonly TurnLike[], maxTurns = 8): ChatTurn[] {
  const pairs: ChatTurn[][] = [];
  for (let i = 0; i < messages.length - 1; i++) {
    const q = messages[i]!;
    const a = messages[i + 1]!;
    if (q.role === 'user' && a.role === 'assistant' && !a.error && a.content.trim()) {
      pairs.push([
        { role: 'user', content: q.content },
        { role: 'assistant', content: a.content },
      ]);
      i++;
    }
  }
  return pairs.slice(-maxTurns).flat();
}

export function titleFor(question: string): string {
  return truncate(question, 60) || '…';
}

/** Enter sends, Shift+Enter is a new line, Esc stops; nothing while an IME is composing. */
export function composerKey(e: { key: string; shiftKey: boolean; isComposing?: boolean; altKey?: boolean; ctrlKey?: boolean; metaKey?: boolean }): 'send' | 'stop' | null {
  if (e.isComposing) return null;
  if (e.key === 'Escape') return 'stop';
  if (e.key === 'Enter' && !e.shiftKey && !e.altKey) return 'send';
  return null;
}

export interface SendSummary {
  passages: number;
  characters: number;
  /** Distinct sources (documents) the passages come from. */
  sources: number;
  /** Question plus history characters, which leave the device too. */
  questionCharacters: number;
  historyTurns: number;
}

export function sendSummary(question: string, history: readonly ChatTurn[], passages: readonly Passage[]): SendSummary {
  return {
    passages: passages.length,
    characters: passages.reduce((n, p) => n + p.text.length, 0),
    sources: new Set(passages.map((p) => p.docId)).size,
    questionCharacters: question.length + history.reduce((n, h) => n + h.content.length, 0),
    historyTurns: history.length / 2,
  };
}

export interface SourceView {
  /** The citation number, 1-based. */
  n: number;
  title: string;
  site: string | null;
  url: string | null;
  heading: string;
  text: string;
}

export function sourcesOf(passages: readonly Passage[]): SourceView[] {
  return passages.map((p, i) => ({ n: i + 1, title: p.title || siteOf(p.url) || '—', site: siteOf(p.url), url: p.url, heading: p.heading, text: p.text }));
}

/** Plain text of an answer for the clipboard, with its sources listed below it. */
export function answerAsText(content: string, passages: readonly Passage[]): string {
  if (!passages.length) return content;
  const lines = passages.map((p, i) => `[${i + 1}] ${p.title}${p.url ? ` — ${p.url}` : ''}`);
  return `${content.trimEnd()}\n\n${lines.join('\n')}`;
}

/** Errors kept with a stored conversation (ConversationRecord.error is a string). */
export function encodeError(e: { code: string; message: string; detail?: Record<string, unknown> }): string {
  return JSON.stringify({ code: e.code, message: e.message, detail: e.detail });
}

export function decodeError(s: string): { name: 'ConfidantError'; code: string; message: string; detail?: Record<string, unknown> } {
  try {
    const v = JSON.parse(s) as { code?: unknown; message?: unknown; detail?: unknown };
    if (typeof v.code === 'string' && typeof v.message === 'string') {
      return { name: 'ConfidantError', code: v.code, message: v.message, detail: (v.detail as Record<string, unknown>) ?? undefined };
    }
  } catch {
    /* an older plain message */
  }
  return { name: 'ConfidantError', code: 'E_INTERNAL', message: s };
}
