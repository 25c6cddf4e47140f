/**
 * Test build only (dist-test): passes the debug requests (messaging/debug-api.ts) on to the engine.
 * The store build never imports this module, so it cannot route them.
 */
import { ConfidantError } from '../core/errors.ts';
import { isDebugType, type DebugApi } from '../messaging/debug-api.ts';
import { onMenuClicked } from './menus.ts';
import { readPage } from './page.ts';
import { type Reply, toReply } from '../messaging/reply.ts';
import { sendOffscreen } from '../messaging/send.ts';
import { ensureOffscreen } from './offscreen.ts';

export async function routeDebug(type: string, payload: unknown): Promise<Reply<unknown>> {
  if (!isDebugType(type)) return toReply(() => Promise.reject(new ConfidantError('E_BAD_REQUEST', `Unknown request type: ${type}`)));
  if (type === 'debug.readPage') {
    const { tabId, selection } = payload as DebugApi['debug.readPage']['req'];
    return toReply(() => readPage(tabId, { selectionOnly: selection === true }));
  }
  if (type === 'debug.menuClick') {
    const { menuItemId, tabId, selectionText } = payload as DebugApi['debug.menuClick']['req'];
    return toReply(async () => {
      const tab = await chrome.tabs.get(tabId);
      const info = { menuItemId, editable: false, pageUrl: tab.url ?? '', ...(selectionText ? { selectionText } : {}) };
      onMenuClicked(info as chrome.contextMenus.OnClickData, tab);
      return null;
    });
  }
  await ensureOffscreen();
  return (await sendOffscreen(type, payload)) ?? toReply(() => Promise.reject(new ConfidantError('E_INTERNAL', `No reply to ${type}.`)));
}
