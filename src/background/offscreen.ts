/**
 * The offscreen document owns the engine Worker (a service worker can start neither a Worker
 * nor OPFS sync access handles). Exactly one must exist: look for an existing context first,
 * and let concurrent callers share one in-flight creation.
 */
export const OFFSCREEN_PATH = 'src/offscreen/index.html';

let creating: Promise<void> | null = null;

async function offscreenExists(): Promise<boolean> {
  const url = chrome.runtime.getURL(OFFSCREEN_PATH);
  const contexts = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [url],
  });
  return contexts.length > 0;
}

export async function ensureOffscreen(): Promise<void> {
  if (creating) return creating;
  if (await offscreenExists()) return;
  // Re-check after the await: another caller may have started creating meanwhile.
  if (!creating) {
    creating = chrome.offscreen
      .createDocument({
        url: OFFSCREEN_PATH,
        reasons: [chrome.offscreen.Reason.WORKERS],
        justification: 'Hosts the engine worker: the encrypted SQLite library on OPFS and the local embedding model.',
      })
      .catch(async (e: unknown) => {
        // A racing creation from a previous service-worker life may have won; that is fine.
        if (!(await offscreenExists())) throw e;
      })
      .finally(() => {
        creating = null;
      });
  }
  return creating;
}
