import browser from 'webextension-polyfill';
import { toErrorData } from '../core/errors.ts';
import { extractFromTab } from './extract.ts';
import { engine } from './engine.ts';
import { getSettings, isNeverRead } from './settings.ts';

export const MENU_SAVE_PAGE = 'confidant.save-page';
export const MENU_SAVE_SELECTION = 'confidant.save-selection';

/** Context menus are created once per install/update; they persist across service worker restarts. */
export function createMenus(): void {
  chrome.contextMenus.removeAll(() => {
    chrome.contextMenus.create({ id: MENU_SAVE_PAGE, title: browser.i18n.getMessage('menuSavePage'), contexts: ['page'] });
    chrome.contextMenus.create({ id: MENU_SAVE_SELECTION, title: browser.i18n.getMessage('menuSaveSelection'), contexts: ['selection'] });
  });
}

/** Tells open panels what happened (they show it where the person is looking). */
function notify(level: 'info' | 'error', text: string): void {
  void chrome.storage.session.set({ lastNotice: { level, text, at: Date.now() } });
  chrome.runtime.sendMessage({ target: 'panel', type: 'notice', payload: { level, text } }).catch(() => {});
}

export function onMenuClicked(info: chrome.contextMenus.OnClickData, tab?: chrome.tabs.Tab): void {
  if (!tab?.id || (info.menuItemId !== MENU_SAVE_PAGE && info.menuItemId !== MENU_SAVE_SELECTION)) return;
  // Opening the panel must happen in the click's own turn (it needs the user gesture).
  chrome.sidePanel.open({ tabId: tab.id }).catch(() => {});
  const tabId = tab.id;
  void (async () => {
    try {
      const page = await extractFromTab(tabId);
      if (isNeverRead(await getSettings(), page.url)) throw new Error(`You asked Confidant never to read ${new URL(page.url).hostname}.`);
      const selection = info.menuItemId === MENU_SAVE_SELECTION ? (info.selectionText ?? page.selection) : null;
      const saved = await engine('library.save', {
        doc: selection
          ? { kind: 'selection', title: `${page.title} (selection)`, url: page.url, lang: page.lang, text: selection, mime: 'text/plain' }
          : { kind: 'page', title: page.title, url: page.url, lang: page.lang, byline: page.byline, text: page.text, mime: 'text/markdown' },
      });
      notify('info', `Saved “${saved.title}” to your library.`);
    } catch (e) {
      const err = toErrorData(e);
      notify('error', err.code === 'E_LOCKED' ? 'Unlock your library, then save again.' : err.message);
    }
  })();
}
