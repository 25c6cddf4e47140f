/**
 * Who may talk to the background. Content scripts can call `runtime.sendMessage` and
 * `runtime.connect` too, and a compromised renderer of any page we read could; so every listener
 * answers only this extension's own pages (the panel, also when opened in a tab) and its service
 * worker, whose sender URL the browser sets, not the page.
 */
import { isExtensionSender, type SenderLike } from '../messaging/envelope.ts';

export function isTrustedSender(sender: SenderLike | undefined): boolean {
  return isExtensionSender(sender, chrome.runtime.id, chrome.runtime.getURL(''), { allowTabs: true });
}
