/**
 * What people type, checked and normalised: gateway addresses, hex measurements, host lists,
 * TCB minimums, passphrases. Each returns data or the key of a message saying what is wrong.
 */
import type { Settings } from '../../messaging/background.ts';

export type GatewayParse = { ok: true; url: string; origin: string; pattern: string } | { ok: false; errorKey: string };

/**
 * A gateway address: https anywhere, plain http only on this machine (127.0.0.1, localhost),
 * which is what the manifest's optional host permissions allow. No credentials, query or fragment.
 */
export function parseGatewayUrl(input: string): GatewayParse {
  const text = input.trim();
  if (!text) return { ok: false, errorKey: 'gatewayErrEmpty' };
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return { ok: false, errorKey: 'gatewayErrInvalid' };
  }
  const local = u.hostname === '127.0.0.1' || u.hostname === 'localhost';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) return { ok: false, errorKey: 'gatewayErrInsecure' };
  if (u.username || u.password) return { ok: false, errorKey: 'gatewayErrCredentials' };
  if (u.search || u.hash) return { ok: false, errorKey: 'gatewayErrInvalid' };
  const path = u.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${u.origin}${path}`, origin: u.origin, pattern: `${u.origin}/*` };
}

/** SEV-SNP MEASUREMENT is 48 bytes: 96 hex digits. */
const MEASUREMENT = /^[0-9a-f]{96}$/;

export interface LinesParse {
  values: string[];
  /** 1-based line numbers that could not be used. */
  invalid: number[];
}

/** One hex measurement per line; spaces, colons and a 0x prefix are tolerated; duplicates dropped. */
export function parseMeasurements(text: string): LinesParse {
  const values: string[] = [];
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const v = line.trim().toLowerCase().replace(/^0x/, '').replace(/[\s:]/g, '');
    if (!v) return;
    if (!MEASUREMENT.test(v)) invalid.push(i + 1);
    else if (!values.includes(v)) values.push(v);
  });
  return { values, invalid };
}

const HOST = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** One site per line ("example.com", "*.example.com" or a full address); duplicates dropped. */
export function parseSites(text: string): LinesParse {
  const values: string[] = [];
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    let v = line.trim().toLowerCase();
    if (!v) return;
    if (/^[a-z][a-z0-9+.-]*:\/\//.test(v)) {
      try {
        v = new URL(v).hostname;
      } catch {
        invalid.push(i + 1);
        return;
      }
    }
    v = v.replace(/^\*\./, '').replace(/^www\./, '').replace(/\.$/, '');
    if (!HOST.test(v)) invalid.push(i + 1);
    else if (!values.includes(v)) values.push(v);
  });
  return { values, invalid };
}

/** Is this page on a site the person asked Confidant never to read (the host or a parent domain)? */
export function isNeverRead(url: string | null | undefined, sites: readonly string[]): string | null {
  if (!url) return null;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return null;
  }
  for (const s of sites) if (host === s || host.endsWith(`.${s}`) || host === `www.${s}`) return s;
  return null;
}

export type TcbPart = keyof Settings['minTcb'];
export const TCB_PARTS: readonly TcbPart[] = ['bl', 'tee', 'snp', 'ucode', 'fmc'];

/** A TCB component: blank (no minimum) or a whole number 0..255. */
export function parseTcbPart(text: string): { ok: true; value: number | undefined } | { ok: false } {
  const v = text.trim();
  if (!v) return { ok: true, value: undefined };
  if (!/^\d{1,3}$/.test(v)) return { ok: false };
  const n = Number(v);
  return n <= 255 ? { ok: true, value: n } : { ok: false };
}

export const MIN_PASSPHRASE = 8;

/** The key of what is wrong with a new passphrase and its confirmation, or null. */
export function passphraseProblem(passphrase: string, confirm: string): string | null {
  if (passphrase.length < MIN_PASSPHRASE) return 'passphraseTooShort';
  if (passphrase !== confirm) return 'passphraseMismatch';
  return null;
}

/** A whole number in [min, max], or null. */
export function parseIntIn(text: string, min: number, max: number): number | null {
  const v = text.trim();
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
}
