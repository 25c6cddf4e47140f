/**
 * Settings in `chrome.storage.local`, which the background alone reads and writes: storage is
 * restricted to trusted contexts (no content script can read or change it), and every read is
 * validated whole (src/core/settings), so a value that reached storage some other way cannot
 * weaken the policy. The API keys are not settings: they live sealed in the library.
 */
import { ParseError } from '../core/errors.ts';
import { defaultSettings, parseSettings, randomProfileId, type Settings } from '../core/settings/settings.ts';

const KEY = 'settings';

/** Content scripts may not touch extension storage: Chrome restricts the local area this way from Chrome 140 (the manifest's minimum). */
export async function restrictStorage(): Promise<void> {
  const local = chrome.storage.local as chrome.storage.StorageArea & { setAccessLevel?: (o: { accessLevel: string }) => Promise<void> };
  try {
    await local.setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });
  } catch (e) {
    console.error('Confidant: could not restrict storage to trusted contexts', e instanceof Error ? e.message : e);
  }
}

/** The build `npm start` makes pre-fills its local development gateway (dist-dev only). */
function firstRunSettings(): Settings {
  const s = defaultSettings();
  if (__DEV_GATEWAY__) {
    const id = randomProfileId();
    s.gateways = [{ id, provider: 'confidant', label: 'Local development gateway', url: __DEV_GATEWAY__, development: true, trust: { kind: 'none' }, allowUnknownSoftware: false }];
    s.activeGatewayId = id;
  }
  return s;
}

/** The settings, validated. A stored document that does not validate is not used: defaults are. */
export async function getSettings(): Promise<Settings> {
  const raw = (await chrome.storage.local.get(KEY))[KEY] as unknown;
  if (raw === undefined) return firstRunSettings();
  try {
    const s = parseSettings(raw);
    // A migrated (version 1) document is written back once, so its new profile ids stay stable.
    if ((raw as { version?: unknown }).version !== 2) await chrome.storage.local.set({ [KEY]: s });
    return s;
  } catch (e) {
    console.error(`Confidant: stored settings are invalid (${e instanceof ParseError ? e.field : 'settings'}); using the defaults`);
    return defaultSettings();
  }
}

/** Merges `patch`, validates the whole document, stores it. Throws ParseError naming the field. */
export async function setSettings(patch: Partial<Settings>): Promise<Settings> {
  const next = parseSettings({ ...(await getSettings()), ...patch, version: 2 });
  await chrome.storage.local.set({ [KEY]: next });
  return next;
}
