/**
 * The chat port (`chrome.runtime.connect({ name: CHAT_PORT })`, panel ↔ background). A port, not
 * one-shot messages, because the answer streams; closing the port stops the request.
 */
import type { ErrorData } from '../core/errors.ts';
import type { Receipt } from './views.ts';
import type { Passage } from './library.ts';

export const CHAT_PORT = 'confidant.chat';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

export type ChatToBackground =
  | {
      type: 'ask';
      question: string;
      /** Earlier turns of this conversation (text only; their passages are not re-sent). */
      history: ChatTurn[];
      /** The passages the person saw (and, if asked, confirmed): exactly these are sent. */
      passages: Passage[];
    }
  | { type: 'stop' };

export type ChatToPanel =
  /** What the background is doing, as a message key the panel localises. */
  | { type: 'status'; key: 'statusChecking' | 'statusSending' }
  | { type: 'delta'; reasoning?: string; content?: string }
  | { type: 'done'; receipt: Receipt; finishReason: string | null }
  | { type: 'error'; error: ErrorData; retryAfter?: number };
