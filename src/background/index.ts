/**
 * Background service worker. Every listener is registered synchronously at top level:
 * the worker is killed when idle and woken by the next event, and only listeners that
 * exist in the first turn receive it. State is rebuilt on demand, never assumed.
 */
import browser from 'webextension-polyfill';
import { onChatConnect } from './chat.ts';
import { attest, getView } from './gate.ts';
import { createMenus, onMenuClicked } from './menus.ts';
import { route } from './router.ts';
import { showBadge } from './badge.ts';

// The toolbar button and its keyboard shortcut (_execute_action) open the side panel.
chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch((e: unknown) => {
  console.error('Confidant: could not set the side panel behaviour', e);
});

browser.runtime.onMessage.addListener((msg: unknown) => route(msg));
chrome.runtime.onConnect.addListener(onChatConnect);
chrome.contextMenus.onClicked.addListener(onMenuClicked);

chrome.runtime.onInstalled.addListener(() => {
  createMenus();
  void attest('install');
});
chrome.runtime.onStartup.addListener(() => void attest('startup'));

// A restarted worker shows the last known state (expired if its time has passed).
void getView().then(showBadge);
