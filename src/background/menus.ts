/**
 * Context menus: save the page or the selection to the library (through the same page pipeline
 * as the panel), and ask about the selection (the panel opens with it as the question's context).
 */
import { toErrorData } from '../core/errors.ts';
import type { PendingSelection } from '../messaging/panel-api.ts';
import { readPage } from './page.ts';
import { engine } from './relay.ts';

export const MENU_SAVE_PAGE = 'confidant.save-page';
export const MENU_SAVE_SELECTION = 'confidant.save-selection';
export const MENU_ASK_SELECTION = 'confidant.ask-selection';
/** Where a selection to ask about waits until the panel has opened and taken it (no text). */
export const PENDING_ASK_KEY = 'ask.pendingSelection';
/**
 * The selected text itself, kept by the background for `page.index` with `selection` (the page's
 * selection may be gone by the time the question is asked). chrome.storage.session: memory only,
 * readable by the extension's own pages and workers, not by content scripts.
 */
export const SELECTION_TEXT_KEY = 'ask.selectionText';
/** A pending selection older than this is stale: the panel ignores it. */
const PENDING_TTL_MS = 10 * 60_000;

/** Hands the pending selection to the panel, once. */
export async function takePendingSelection(): Promise<PendingSelection | null> {
  const got = (await chrome.storage.session.get(PENDING_ASK_KEY))[PENDING_ASK_KEY] as PendingSelection | undefined;
  if (!got) return null;
  await chrome.storage.session.remove(PENDING_ASK_KEY);
  return Date.now() - got.at < PENDING_TTL_MS ? got : null;
}

/** The text selected in `tabId` when the menu was used, if that is the tab asked about. */
export async function selectionTextFor(tabId: number): Promise<string | undefined> {
  const got = (await chrome.storage.session.get(SELECTION_TEXT_KEY))[SELECTION_TEXT_KEY] as { tabId: number; text: string } | undefined;
  return got?.tabId === tabId ? got.text : undefined;
}

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
    const text = (info.selectionText ?? '').trim();
    const payload: PendingSelection = { tabId, title: tab.title ?? '', url: tab.url ?? '', chars: text.length, at: Date.now() };
    // The panel may not be open yet: it takes this when it starts, and listens for the event when it is.
    void chrome.storage.session.set({ [PENDING_ASK_KEY]: payload, [SELECTION_TEXT_KEY]: { tabId, text } }).then(() =>
      chrome.runtime.sendMessage({ target: 'panel', type: 'ask.selection', payload }).catch(() => {}),
    );
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
