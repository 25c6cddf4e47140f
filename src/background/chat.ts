/**
 * The chat port: the panel sends a question with the passages it showed the person; the
 * background sends them, and only them, over the verified channel, and streams the answer back.
 * Closing the port (or "stop") aborts the request.
 */
import { buildMessages } from '../core/chat/prompt.ts';
import { openSealedChat } from '../core/channel/index.ts';
import { ConfidantError, toErrorData } from '../core/errors.ts';
import type { Receipt } from '../messaging/background.ts';
import { CHAT_PORT, type ChatToBackground, type ChatToPanel } from '../messaging/chat.ts';
import { dropChannel, verifiedChannel } from './gate.ts';
import { engine } from './engine.ts';
import { getSettings } from './settings.ts';

async function apiKey(): Promise<string | null> {
  try {
    return await engine('secret.get', { name: 'gateway.apiKey' });
  } catch (e) {
    if (e instanceof ConfidantError && e.code === 'E_LOCKED') throw new ConfidantError('E_LOCKED', 'Unlock the library first: the gateway API key is kept in it, encrypted.');
    throw e;
  }
}

type Delta = { reasoning?: string; content?: string; finishReason?: string | null };

/**
 * Streams one request. A key the gateway has rotated away (E_KEY_EXPIRED before any answer
 * arrived) leads to one re-attestation and one retry on the new key; anything else is final.
 */
async function streamWithReattest(
  request: Parameters<typeof openSealedChat>[1],
  apiKey: string | null,
  signal: AbortSignal,
  onDelta: (d: Delta) => void,
  onSending: () => void,
): Promise<Awaited<ReturnType<typeof verifiedChannel>>> {
  for (let attempt = 0; ; attempt++) {
    const held = await verifiedChannel();
    onSending();
    let started = false;
    try {
      for await (const d of openSealedChat(held.channel, request, { apiKey, signal })) {
        started = true;
        onDelta(d);
      }
      return held;
    } catch (e) {
      if (!started && attempt === 0 && e instanceof ConfidantError && e.code === 'E_KEY_EXPIRED') {
        dropChannel();
        continue;
      }
      throw e;
    }
  }
}

export function onChatConnect(port: chrome.runtime.Port): void {
  if (port.name !== CHAT_PORT) return;
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
    if (msg.type === 'stop') {
      abort?.abort();
      return;
    }
    if (msg.type !== 'ask' || abort) return;
    abort = new AbortController();
    const signal = abort.signal;
    void (async () => {
      try {
        post({ type: 'status', text: 'Checking the gateway…' });
        const [settings, key] = await Promise.all([getSettings(), apiKey()]);
        const messages = buildMessages(msg.question, msg.history, msg.passages);
        const request = { messages, stream: true as const, reasoning_effort: settings.reasoningEffort };
        let finishReason: string | null = null;
        const sent = await streamWithReattest(request, key, signal, (d) => {
          if (d.reasoning || d.content) post({ type: 'delta', reasoning: d.reasoning, content: d.content });
          if (d.finishReason !== undefined) finishReason = d.finishReason ?? null;
        }, () => post({ type: 'status', text: 'Sending over the verified channel…' }));
        const { channel, view } = sent;
        const receipt: Receipt = {
          gatewayUrl: channel.gatewayUrl,
          keyId: channel.keyId,
          measurement: view.claims?.measurement ?? null,
          checkedAt: view.checkedAt ?? Date.now(),
          sentAt: Date.now(),
          simulated: channel.simulated,
          model: channel.model,
          passages: msg.passages.length,
          characters: messages.reduce((n, m) => n + m.content.length, 0),
        };
        post({ type: 'done', receipt, finishReason });
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
