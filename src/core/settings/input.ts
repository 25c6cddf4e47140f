/**
 * What people type, checked and normalised in one place for the panel (form hints) and the
 * background (which enforces): gateway addresses, hex measurements, site lists, TCB parts,
 * passphrases. Each parser returns data or the key of a message (public/_locales) saying what
 * is wrong; none throws.
 */

export type GatewayParse = { ok: true; url: string; origin: string; pattern: string; loopback: boolean } | { ok: false; errorKey: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** 127.0.0.1, localhost or [::1]: the only hosts plain http and development trust are allowed for. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * A gateway address: https anywhere, plain http only on this machine (127.0.0.1, localhost, [::1]),
 * which is what the manifest's optional host permissions allow. A bare `localhost:8787` means http
 * (a local development gateway); any other bare host means https. No credentials, query or fragment.
 */
export function parseGatewayUrl(input: string): GatewayParse {
  const text = input.trim();
  if (!text) return { ok: false, errorKey: 'gatewayErrEmpty' };
  let u: URL;
  try {
    const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
    const bareLoopback = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(text);
    u = new URL(hasScheme ? text : `${bareLoopback ? 'http' : 'https'}://${text}`);
  } catch {
    return { ok: false, errorKey: 'gatewayErrInvalid' };
  }
  const loopback = isLoopbackHost(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) return { ok: false, errorKey: 'gatewayErrInsecure' };
  if (u.username || u.password) return { ok: false, errorKey: 'gatewayErrCredentials' };
  if (u.search || u.hash) return { ok: false, errorKey: 'gatewayErrInvalid' };
  const path = u.pathname.replace(/\/+$/, '');
  // Host permissions match on host, not port: the pattern names the origin without its port.
  return { ok: true, url: `${u.origin}${path}`, origin: u.origin, pattern: `${u.protocol}//${u.hostname}/*`, loopback };
}

/** A SEV-SNP MEASUREMENT is 48 bytes: 96 hex digits. */
export const MEASUREMENT_RE = /^[0-9a-f]{96}$/;
/** A SHA-256 digest (a Privatemode manifest, a release artefact): 64 hex digits. */
export const SHA256_RE = /^[0-9a-f]{64}$/;

export interface LinesParse {
  values: string[];
  /** 1-based line numbers that could not be used. */
  invalid: number[];
}

/** Normalises one hex value: spaces, colons and a 0x prefix are tolerated. */
export function normaliseHex(v: string): string {
  return v.trim().toLowerCase().replace(/^0x/, '').replace(/[\s:]/g, '');
}

/** One hex value per line (96 digits: a measurement; `re` for others); duplicates dropped. */
export function parseHexLines(text: string, re: RegExp = MEASUREMENT_RE): LinesParse {
  const values: string[] = [];
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const v = normaliseHex(line);
    if (!v) return;
    if (!re.test(v)) invalid.push(i + 1);
    else if (!values.includes(v)) values.push(v);
  });
  return { values, invalid };
}

export const parseMeasurements = (text: string): LinesParse => parseHexLines(text, MEASUREMENT_RE);

const HOST = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** One site as stored: a host name with no `www.`, `*.` or trailing dot; null when it is not one. */
export function normaliseSite(input: string): string | null {
  let v = input.trim().toLowerCase();
  if (!v) return null;
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(v)) {
    try {
      v = new URL(v).hostname;
    } catch {
      return null;
    }
  }
  v = v.replace(/^\*\./, '').replace(/^www\./, '').replace(/\.$/, '');
  return HOST.test(v) ? v : null;
}

/** One site per line ("example.com", "*.example.com" or a full address); duplicates dropped. */
export function parseSites(text: string): LinesParse {
  const values: string[] = [];
  const invalid: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const v = normaliseSite(line);
    if (v === null) invalid.push(i + 1);
    else if (!values.includes(v)) values.push(v);
  });
  return { values, invalid };
}

/**
 * Is this page on a site the person asked Confidant never to read (the host itself, a
 * subdomain, or its www. form)? Returns the matching entry, or null. Checked before anything
 * is injected into or fetched from the page.
 */
export function isNeverRead(url: string | null | undefined, sites: readonly string[]): string | null {
  if (!url) return null;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return null;
  }
  for (const s of sites) if (host === s || host.endsWith(`.${s}`)) return s;
  return null;
}

/** A TCB component: blank (no minimum) or a whole number 0..255. */
export function parseTcbPart(text: string): { ok: true; value: number | undefined } | { ok: false } {
  const v = text.trim();
  if (!v) return { ok: true, value: undefined };
  if (!/^\d{1,3}$/.test(v)) return { ok: false };
  const n = Number(v);
  return n <= 255 ? { ok: true, value: n } : { ok: false };
}

/** The shortest passphrase the library accepts (enforced by the engine, hinted by the panel). */
export const MIN_PASSPHRASE = 8;

/** The key of what is wrong with a new passphrase (and its confirmation, when given), or null. */
export function passphraseProblem(passphrase: string, confirm?: string): string | null {
  if (passphrase.length < MIN_PASSPHRASE) return 'passphraseTooShort';
  if (confirm !== undefined && passphrase !== confirm) return 'passphraseMismatch';
  return null;
}

/** A whole number in [min, max], or null. */
export function parseIntIn(text: string, min: number, max: number): number | null {
  const v = text.trim();
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
}

/** `owner/name` of a GitHub repository, as GitHub allows them. */
export const REPO_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
