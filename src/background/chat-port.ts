/**
 * The chat port: the panel sends a question with the passages it showed the person; the
 * background sends them, and only them, through the active gateway's provider on a session the
 * gate issued, and streams the answer back. Closing the port (or "stop") aborts the request.
 */
import { buildMessages } from '../core/chat/prompt.ts';
import { ConfidantError, toErrorData } from '../core/errors.ts';
import type { ChatDelta, ChatRequestBody } from '../core/channel/client.ts';
import { CHAT_PORT, type ChatToBackground, type ChatToPanel } from '../messaging/chat-port.ts';
import type { Receipt } from '../messaging/views.ts';
import { dropSession, sendable, type Sendable } from './gate.ts';
import { providerFor } from './providers.ts';
import { apiKeyFor } from './api-keys.ts';
import { isTrustedSender } from './senders.ts';
import { getSettings } from './settings-store.ts';

/**
 * Streams one request. A key the endpoint has rotated away (E_KEY_EXPIRED before any answer
 * arrived) leads to one re-attestation and one retry on the new key; anything else is final.
 */
async function streamWithReattest(
  request: ChatRequestBody,
  signal: AbortSignal,
  onDelta: (d: ChatDelta) => void,
  onSending: () => void,
): Promise<Sendable> {
  for (let attempt = 0; ; attempt++) {
    const held = await sendable();
    const provider = providerFor(held.profile.provider);
    if (!provider) throw new ConfidantError('E_NOT_ATTESTED', `This version of Confidant cannot talk to ${held.profile.provider} endpoints.`);
    const apiKey = await apiKeyFor(held.profile);
    onSending();
    let started = false;
    try {
      for await (const d of provider.chat(held.session, request, { apiKey, signal, fetch: globalThis.fetch.bind(globalThis) })) {
        started = true;
        onDelta(d);
      }
      return held;
    } catch (e) {
      if (!started && attempt === 0 && e instanceof ConfidantError && e.code === 'E_KEY_EXPIRED') {
        dropSession();
        continue;
      }
      throw e;
    }
  }
}

function receiptFor(sent: Sendable, passages: number, characters: number): Receipt {
  const { session, view, profile } = sent;
  const sw = view.software;
  return {
    gatewayUrl: profile.url,
    provider: profile.provider,
    keyId: session.keyId,
    measurement: view.claims?.measurement ?? null,
    software: sw ? { kind: sw.kind, value: sw.value, via: sw.via, release: sw.release } : null,
    checkedAt: view.checkedAt ?? Date.now(),
    sentAt: Date.now(),
    simulated: session.simulated,
    model: session.model,
    protocol: view.protocol,
    passages,
    characters,
  };
}

export function onChatConnect(port: chrome.runtime.Port): void {
  if (port.name !== CHAT_PORT) return;
  if (!isTrustedSender(port.sender)) {
    port.disconnect();
    return;
  }
  let abort: AbortController | null = null;
  const post = (m: ChatToPanel) => {
    try {
      port.postMessage(m);
    } catch {
      abort?.abort(); // the panel went away
    }
  };
  port.onDisconnect.addListener(() => abort?.abort());
  port.onMessage.addListener((msg: ChatToBackground) => {
    if (msg?.type === 'stop') {
      abort?.abort();
      return;
    }
    if (msg?.type !== 'ask' || abort) return;
    abort = new AbortController();
    const signal = abort.signal;
    void (async () => {
      try {
        post({ type: 'status', key: 'statusChecking' });
        const settings = await getSettings();
        const messages = buildMessages(msg.question, msg.history, msg.passages);
        const request = { messages, stream: true as const, reasoning_effort: settings.reasoningEffort };
        let finishReason: string | null = null;
        const sent = await streamWithReattest(
          request,
          signal,
          (d) => {
            if (d.reasoning || d.content) post({ type: 'delta', reasoning: d.reasoning, content: d.content });
            if (d.finishReason !== undefined) finishReason = d.finishReason ?? null;
          },
          () => post({ type: 'status', key: 'statusSending' }),
        );
        post({ type: 'done', receipt: receiptFor(sent, msg.passages.length, messages.reduce((n, m) => n + m.content.length, 0)), finishReason });
      } catch (e) {
        const error = toErrorData(e);
        const retryAfter = e instanceof ConfidantError && typeof e.detail?.retryAfter === 'number' ? (e.detail.retryAfter as number) : undefined;
        post({ type: 'error', error, retryAfter });
      } finally {
        abort = null;
      }
    })();
  });
}
