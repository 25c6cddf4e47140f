/**
 * Formatting for people: sizes, dates, relative times, short hex, sites. Pure and locale-aware
 * through Intl: the browser's locale unless one is given (tests give one, to be deterministic).
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** 1234 → "1.2 kB" (decimal units, as Chrome's own storage pages show them). */
export function formatBytes(bytes: number, locale?: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let i = 0;
  let v = bytes;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 1;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v)} ${UNITS[i]}`;
}

/** A share of a whole as a whole percent, never "0%" for a non-zero share (it shows "<1%"). */
export function formatPercent(part: number, whole: number, locale?: string): string {
  if (!(whole > 0) || !(part >= 0)) return '—';
  const p = (part / whole) * 100;
  if (p > 0 && p < 1) return `<${new Intl.NumberFormat(locale).format(1)}%`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(p)}%`;
}

export function formatNumber(n: number, locale?: string): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** "27 Nov 2026" (or the locale's short date). */
export function formatDate(ms: number, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone }).format(ms);
}

/** "27 Nov 2026, 14:03:12": for receipts and attestation times, where the second matters. */
export function formatDateTime(ms: number, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone,
  }).format(ms);
}

/** "just now", "5 minutes ago", "in 2 hours", "yesterday"… through Intl.RelativeTimeFormat. */
export function formatRelative(ms: number, now: number, locale?: string): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  if (abs < 45_000) return rtf.format(0, 'second');
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['minute', 60_000],
    ['hour', 3_600_000],
    ['day', 86_400_000],
    ['week', 604_800_000],
    ['month', 2_629_800_000],
    ['year', 31_557_600_000],
  ];
  let unit: Intl.RelativeTimeFormatUnit = 'minute';
  let size = 60_000;
  for (const [u, s] of steps) {
    if (abs >= s * 0.95 || u === 'minute') {
      unit = u;
      size = s;
    }
  }
  return rtf.format(Math.round(diff / size), unit);
}

/** Long hex shown as its start and end: "a1b2c3d4…e5f6a7b8". */
export function shortHex(hex: string | null | undefined, keep = 8): string {
  if (!hex) return '—';
  const h = hex.trim();
  return h.length <= keep * 2 + 1 ? h : `${h.slice(0, keep)}…${h.slice(-keep)}`;
}

/** "https://www.example.com/a" → "example.com"; null for anything not http(s). */
export function siteOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.hostname.replace(/^www\./, '');
  } catch {
    return null;
  }
}

/** The same page, ignoring the fragment (and a trailing slash on the path). */
export function samePage(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  try {
    const ua = new URL(a);
    const ub = new URL(b);
    ua.hash = '';
    ub.hash = '';
    const norm = (u: URL) => u.href.replace(/\/(\?|$)/, '$1');
    return norm(ua) === norm(ub);
  } catch {
    return false;
  }
}

/** Trim to at most `max` characters on a word boundary, with an ellipsis. */
export function truncate(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const sp = cut.lastIndexOf(' ');
  return `${(sp > max * 0.4 ? cut.slice(0, sp) : cut).replace(/[\s,.;:]+$/, '')}…`;
}

/** A file name safe on every OS, from a date: confidant-backup-2026-11-27.json */
export function backupFileName(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `confidant-backup-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}.json`;
}
