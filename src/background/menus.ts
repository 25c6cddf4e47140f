/**
 * Context menus: save the page or the selection to the library (through the same page pipeline
 * as the panel), and ask about the selection (the panel opens with it as the question's context).
 */
import { toErrorData } from '../core/errors.ts';
import { readPage } from './page.ts';
import { engine } from './relay.ts';

export const MENU_SAVE_PAGE = 'confidant.save-page';
export const MENU_SAVE_SELECTION = 'confidant.save-selection';
export const MENU_ASK_SELECTION = 'confidant.ask-selection';
/** Where a selection to ask about waits until the panel has opened and read it. */
export const PENDING_ASK_KEY = 'ask.pendingSelection';

/** Context menus are created once per install/update; they persist across service worker restarts. */
export function createMenus(): void {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: MENU_SAVE_PAGE, title: chrome.i18n.getMessage('menuSavePage'), contexts: ['page'] });
    chrome.contextMenus.create({ id: MENU_SAVE_SELECTION, title: chrome.i18n.getMessage('menuSaveSelection'), contexts: ['selection'] });
    chrome.contextMenus.create({ id: MENU_ASK_SELECTION, title: chrome.i18n.getMessage('menuAskSelection'), contexts: ['selection'] });
  });
}

/** Tells open panels what happened (they show it where the person is looking). */
function notify(level: 'info' | 'error', text: string): void {
  void chrome.storage.session.set({ lastNotice: { level, text, at: Date.now() } });
  chrome.runtime.sendMessage({ target: 'panel', type: 'notice', payload: { level, text } }).catch(() => {});
}

export function onMenuClicked(info: chrome.contextMenus.OnClickData, tab?: chrome.tabs.Tab): void {
  if (!tab?.id) return;
  const id = info.menuItemId;
  if (id !== MENU_SAVE_PAGE && id !== MENU_SAVE_SELECTION && id !== MENU_ASK_SELECTION) return;
  // Opening the panel must happen in the click's own turn (it needs the user gesture).
  chrome.sidePanel.open({ tabId: tab.id }).catch(() => {});
  const tabId = tab.id;
  if (id === MENU_ASK_SELECTION) {
    const payload = { tabId, text: (info.selectionText ?? '').trim(), title: tab.title ?? '', url: tab.url ?? '', at: Date.now() };
    // The panel may not be open yet: it reads this when it starts, and listens for the event when it is.
    void chrome.storage.session.set({ [PENDING_ASK_KEY]: payload });
    chrome.runtime.sendMessage({ target: 'panel', type: 'ask.selection', payload }).catch(() => {});
    return;
  }
  void (async () => {
    try {
      const doc = await readPage(tabId, { selectionOnly: id === MENU_SAVE_SELECTION, ...(info.selectionText ? { selectionText: info.selectionText } : {}) });
      const saved = await engine('library.save', { doc });
      notify('info', `Saved “${saved.title}” to your library.`);
    } catch (e) {
      const err = toErrorData(e);
      notify('error', err.code === 'E_LOCKED' ? 'Unlock your library, then save again.' : err.message);
    }
  })();
}
