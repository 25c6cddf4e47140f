/**
 * The envelope every `runtime.sendMessage` carries, and who may send it. `runtime.sendMessage`
 * reaches every extension page, and content scripts can send too, so each listener (1) ignores
 * mail that is not addressed to it and (2) answers only trusted senders.
 */

export interface Envelope<K extends string = string, P = unknown> {
  target: 'background' | 'offscreen' | 'panel';
  type: K;
  payload: P;
}

export function isEnvelopeFor(msg: unknown, target: Envelope['target']): msg is Envelope {
  return typeof msg === 'object' && msg !== null && (msg as Envelope).target === target && typeof (msg as Envelope).type === 'string';
}

/** The parts of a `chrome.runtime.MessageSender` (or a port's sender) that decide trust. */
export interface SenderLike {
  id?: string;
  url?: string;
  origin?: string;
  tab?: unknown;
  documentId?: string;
}

/**
 * An extension page or the service worker of this very extension: same extension id, no tab (a
 * content script always has one; an extension page opened in a tab is the only exception, and it
 * is allowed only when `allowTabs`), and a URL inside the extension's origin.
 */
export function isExtensionSender(sender: SenderLike | undefined, extensionId: string, extensionOrigin: string, opts: { allowTabs?: boolean } = {}): boolean {
  if (!sender || sender.id !== extensionId) return false;
  const url = sender.url ?? '';
  if (!url.startsWith(extensionOrigin)) return false;
  if (sender.origin !== undefined && `${sender.origin}/` !== extensionOrigin && sender.origin !== extensionOrigin) return false;
  if (sender.tab !== undefined && !opts.allowTabs) return false;
  return true;
}

/**
 * This extension's service worker: its sender has no tab and no document (pages, including the
 * panel and the offscreen document, always have one), and a script URL inside the extension.
 */
export function isServiceWorkerSender(sender: SenderLike & { frameId?: number } | undefined, extensionId: string, extensionOrigin: string): boolean {
  return (
    isExtensionSender(sender, extensionId, extensionOrigin) &&
    sender!.documentId === undefined &&
    sender!.frameId === undefined &&
    /\.js$/.test(new URL(sender!.url!).pathname)
  );
}
