import type { Settings } from '../messaging/background.ts';

/** Non-secret settings live in chrome.storage.local; the API key never does (see apiKey in router). */
export const DEFAULT_SETTINGS: Settings = {
  // Pre-filled only in the build `npm start` makes (dist-dev), with its local development gateway.
  gatewayUrl: __DEV_GATEWAY__,
  trustDev: false,
  trustedMeasurements: [],
  minTcb: {},
  passages: 6,
  confirmBeforeSend: false,
  neverReadSites: [],
  reasoningEffort: 'medium',
  autoLockMinutes: 15,
};

const KEY = 'settings';

export async function getSettings(): Promise<Settings> {
  const got = (await chrome.storage.local.get(KEY))[KEY] as Partial<Settings> | undefined;
  return { ...DEFAULT_SETTINGS, ...(got ?? {}) };
}

export async function setSettings(patch: Partial<Settings>): Promise<Settings> {
  const next = validate({ ...(await getSettings()), ...patch });
  await chrome.storage.local.set({ [KEY]: next });
  return next;
}

function validate(s: Settings): Settings {
  if (s.gatewayUrl !== null) {
    const u = new URL(s.gatewayUrl); // throws on garbage; the panel shows the message
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost'))) {
      throw new TypeError('The gateway address must start with https:// (plain http is allowed only for 127.0.0.1 and localhost).');
    }
    s.gatewayUrl = u.origin + u.pathname.replace(/\/+$/, '');
  }
  s.passages = Math.max(1, Math.min(20, Math.round(Number(s.passages) || DEFAULT_SETTINGS.passages)));
  s.trustedMeasurements = s.trustedMeasurements.map((m) => m.trim().toLowerCase()).filter(Boolean);
  for (const m of s.trustedMeasurements) if (!/^[0-9a-f]{96}$/.test(m)) throw new TypeError(`A trusted measurement must be 96 hex digits (48 bytes): ${m.slice(0, 20)}…`);
  s.neverReadSites = s.neverReadSites.map((h) => h.trim().toLowerCase()).filter(Boolean);
  return s;
}

/** True when the user asked never to read pages of this host (the host itself or a parent domain). */
export function isNeverRead(settings: Settings, url: string | null | undefined): boolean {
  if (!url) return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return settings.neverReadSites.some((s) => host === s || host.endsWith(`.${s}`));
}
