/**
 * Background service worker. Every listener is registered synchronously at top level: the worker
 * is killed when idle and woken by the next event, and only listeners that exist in the first turn
 * receive it. State is rebuilt on demand, never assumed. Every message and port is answered only
 * for this extension's own pages (senders.ts).
 */
import { toErrorData, ConfidantError } from '../core/errors.ts';
import { isEnvelopeFor } from '../messaging/envelope.ts';
import { onChatConnect } from './chat-port.ts';
import { attest, getView } from './gate.ts';
import { createMenus, onMenuClicked } from './menus.ts';
import { route } from './router.ts';
import { isTrustedSender } from './senders.ts';
import { restrictStorage } from './settings-store.ts';
import { showBadge } from './badge.ts';

// The toolbar button and its keyboard shortcut (_execute_action) open the side panel.
chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch((e: unknown) => {
  console.error('Confidant: could not set the side panel behaviour', e);
});

chrome.runtime.onMessage.addListener((msg: unknown, sender, sendResponse) => {
  if (!isEnvelopeFor(msg, 'background')) return undefined; // not our mail
  const reply = isTrustedSender(sender)
    ? route(msg)
    : Promise.resolve({ ok: false as const, error: toErrorData(new ConfidantError('E_PERMISSION', 'Only Confidant’s own pages may ask this.')) });
  if (!reply) return undefined;
  void reply.then(sendResponse);
  return true; // the answer comes asynchronously
});
chrome.runtime.onConnect.addListener(onChatConnect);
chrome.contextMenus.onClicked.addListener(onMenuClicked);

chrome.runtime.onInstalled.addListener(() => {
  createMenus();
  void restrictStorage();
  void attest('install');
});
chrome.runtime.onStartup.addListener(() => {
  void restrictStorage();
  void attest('startup');
});
// Each time the worker starts (the access level is not kept on every Chrome version).
void restrictStorage();

// A restarted worker shows the last known state (expired if its time has passed).
void getView().then(showBadge);
