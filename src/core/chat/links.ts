/**
 * How risky it is to open a link from a model's answer. Model output is untrusted: a prompt
 * injected through a page can make the model write a link that carries what was sent (the page,
 * the question) to someone else's server, as a path or query. Confidant therefore never opens a
 * link from an answer without showing its full address first, and flags one that looks like it
 * carries data:
 *  - text from what was sent: any run of 4 words, or any 12+ character token, of the sent context
 *    appearing in the decoded address;
 *  - a long query string (over 64 characters), or a long opaque token (32+ base64/hex characters);
 *  - credentials in the address, a raw IP host, or a port other than the scheme's.
 * Pure: runs in the panel and in Node tests.
 */

export type LinkRiskReason = 'sent-text' | 'long-query' | 'opaque-token' | 'credentials' | 'ip-host' | 'odd-port';

export interface LinkRisk {
  /** The address to show, in full. */
  href: string;
  host: string;
  suspicious: boolean;
  reasons: LinkRiskReason[];
}

const MAX_QUERY = 64;
const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The fingerprints of the sent context, built once per answer. */
export function contextFingerprints(texts: readonly string[]): { grams: Set<string>; tokens: Set<string> } {
  const grams = new Set<string>();
  const tokens = new Set<string>();
  for (const text of texts) {
    const w = words(text);
    for (let i = 0; i + 4 <= w.length; i++) grams.add(w.slice(i, i + 4).join(' '));
    for (const x of w) if (x.length >= 12) tokens.add(x);
  }
  return { grams, tokens };
}

export function linkRisk(href: string, sent: ReturnType<typeof contextFingerprints>): LinkRisk {
  const u = new URL(href);
  const reasons = new Set<LinkRiskReason>();
  const decoded = safeDecode(`${u.pathname} ${u.search} ${u.hash}`);
  const w = words(decoded);
  for (let i = 0; i + 4 <= w.length && !reasons.has('sent-text'); i++) if (sent.grams.has(w.slice(i, i + 4).join(' '))) reasons.add('sent-text');
  for (const x of w) if (x.length >= 12 && sent.tokens.has(x)) reasons.add('sent-text');
  if (u.search.length > MAX_QUERY) reasons.add('long-query');
  if (/[A-Za-z0-9+/_=-]{32,}/.test(`${u.pathname}${u.search}${u.hash}`)) reasons.add('opaque-token');
  if (u.username || u.password) reasons.add('credentials');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(u.hostname) || u.hostname.startsWith('[')) reasons.add('ip-host');
  if (u.port !== '') reasons.add('odd-port');
  return { href: u.href, host: u.host, suspicious: reasons.size > 0, reasons: [...reasons] };
}
