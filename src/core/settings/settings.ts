/**
 * The settings document: its type, its defaults, and the one validator every reader and writer
 * goes through (`parseSettings`). The background validates what it reads from storage as well as
 * what it is asked to write, so a value that reached storage some other way cannot weaken the
 * policy unnoticed. Older documents (version 1: one `gatewayUrl` and a global `trustDev`) are
 * migrated here.
 *
 * Trust-relevant parts:
 *  - `gateways`: endpoint profiles, each of one provider, with its own trust source (which
 *    software is trusted: published releases, pinned values, or trust on first use) and its own
 *    `development` flag, which is accepted only for loopback addresses;
 *  - `minTcb`: the minimum platform TCB per AMD product (DEFAULT_MIN_TCB, with the bulletins it
 *    follows, in attest/policy.ts; editable);
 *  - `requireRevocation`: a revocation check that could not run fails the attestation.
 */
import { ParseError } from '../errors.ts';
import { DEFAULT_MIN_TCB } from '../attest/policy.ts';
import type { Product } from '../attest/sevsnp/abi.ts';
import { MEASUREMENT_RE, REPO_RE, SHA256_RE, isLoopbackUrl, normaliseHex, normaliseSite, parseGatewayUrl } from './input.ts';

export type ProviderKind = 'confidant' | 'privatemode' | 'tinfoil';
export const PROVIDER_KINDS: readonly ProviderKind[] = ['confidant', 'privatemode', 'tinfoil'];

/**
 * Where the expected software identity comes from (a SEV-SNP MEASUREMENT for the Confidant gateway
 * and Tinfoil, the SHA-256 of the deployment manifest for Privatemode):
 *  - releases: the tagged releases of a GitHub repository, each signed and logged (Sigstore);
 *  - pinned: values the person typed or pasted;
 *  - tofu: the first value the person saw and accepted (kept with the gateway's trust state).
 *  - none: genuine hardware is reported as "unknown software" and sending needs the person's
 *    explicit choice (`allowUnknownSoftware`).
 */
export type TrustSource = { kind: 'none' } | { kind: 'releases'; repo: string } | { kind: 'pinned'; values: string[] } | { kind: 'tofu' };

export interface GatewayProfile {
  /** Stable id (16 hex digits), the key of the gateway's trust state and verdicts. */
  id: string;
  provider: ProviderKind;
  /** What the person calls it. */
  label: string;
  /** Base URL: https, or http on loopback; no trailing slash. */
  url: string;
  /** Accept simulated evidence signed by the development roots (DEV). Loopback addresses only. */
  development: boolean;
  trust: TrustSource;
  /** Send even when the software is unknown (genuine hardware, no trust source covers it). */
  allowUnknownSoftware: boolean;
  /** Privatemode only: where the expected deployment manifest is published. */
  manifestUrl?: string;
}

export type TcbParts = { bl?: number; tee?: number; snp?: number; ucode?: number; fmc?: number };

export interface Settings {
  version: 2;
  gateways: GatewayProfile[];
  /** The profile questions go to; null when none is set up. */
  activeGatewayId: string | null;
  /** Minimum REPORTED_TCB per AMD product line. */
  minTcb: Record<Product, TcbParts>;
  /** Fail attestation when a revocation list could not be checked (default: say so in the details). */
  requireRevocation: boolean;
  /** How many passages to retrieve and send. */
  passages: number;
  /** Show what will be sent and wait for a click before sending. */
  confirmBeforeSend: boolean;
  /** Host names Confidant never reads (exact host or a parent domain). */
  neverReadSites: string[];
  reasoningEffort: 'low' | 'medium' | 'high';
  /** The library's idle auto-lock, minutes; 0 = never. */
  autoLockMinutes: number;
}

export function defaultSettings(): Settings {
  return {
    version: 2,
    gateways: [],
    activeGatewayId: null,
    minTcb: { Milan: { ...DEFAULT_MIN_TCB.Milan }, Genoa: { ...DEFAULT_MIN_TCB.Genoa }, Turin: { ...DEFAULT_MIN_TCB.Turin } },
    requireRevocation: false,
    passages: 6,
    confirmBeforeSend: false,
    neverReadSites: [],
    reasoningEffort: 'medium',
    autoLockMinutes: 15,
  };
}

/** Where each provider is reached by default, and what it trusts by default. */
export const PROVIDER_DEFAULTS: Readonly<Record<ProviderKind, { url: string | null; label: string; trust: TrustSource; manifestUrl?: string }>> = Object.freeze({
  confidant: { url: null, label: 'Confidant gateway', trust: { kind: 'none' } },
  privatemode: {
    url: 'https://api.privatemode.ai',
    label: 'Privatemode',
    trust: { kind: 'tofu' },
    manifestUrl: 'https://cdn.confidential.cloud/privatemode/v2/manifest.json',
  },
  tinfoil: { url: 'https://inference.tinfoil.sh', label: 'Tinfoil', trust: { kind: 'releases', repo: 'tinfoilsh/confidential-model-router' } },
});

// ---- validation ----------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const shown = (x: unknown): string => {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new ParseError(field, `got ${shown(v)}, want true or false`);
  return v;
}
function int(v: unknown, field: string, min: number, max: number): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw new ParseError(field, `got ${shown(v)}, want a whole number ${min}..${max}`);
  return n;
}
function str(v: unknown, field: string, max = 2000): string {
  if (typeof v !== 'string' || v.length > max) throw new ParseError(field, `got ${shown(v)}, want text of at most ${max} characters`);
  return v;
}
function onlyKeys(o: Obj, field: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new ParseError(`${field}.${k}`, `unknown setting (known: ${known.join(', ')})`);
}

function gatewayUrl(v: unknown, field: string): string {
  const p = parseGatewayUrl(str(v, field));
  if (!p.ok) throw new ParseError(field, `got ${shown(v)}: ${p.errorKey === 'gatewayErrInsecure' ? 'want https:// (plain http only for 127.0.0.1, localhost and [::1])' : 'not a usable gateway address'}`);
  return p.url;
}

function trustSource(v: unknown, field: string, provider: ProviderKind): TrustSource {
  if (!isObj(v)) throw new ParseError(field, `got ${shown(v)}, want {"kind": "none" | "releases" | "pinned" | "tofu", ...}`);
  const want = provider === 'privatemode' ? SHA256_RE : MEASUREMENT_RE;
  switch (v.kind) {
    case 'none':
    case 'tofu':
      onlyKeys(v, field, ['kind']);
      return { kind: v.kind };
    case 'releases': {
      onlyKeys(v, field, ['kind', 'repo']);
      if (provider === 'privatemode') throw new ParseError(`${field}.kind`, 'Privatemode publishes no signed releases; pin its manifest (tofu or pinned)');
      const repo = str(v.repo, `${field}.repo`, 200).trim();
      if (!REPO_RE.test(repo)) throw new ParseError(`${field}.repo`, `got ${shown(v.repo)}, want owner/name of a GitHub repository`);
      return { kind: 'releases', repo };
    }
    case 'pinned': {
      onlyKeys(v, field, ['kind', 'values']);
      if (!Array.isArray(v.values) || v.values.length === 0) throw new ParseError(`${field}.values`, `got ${shown(v.values)}, want at least one value`);
      const values = [...new Set(v.values.map((x, i) => normaliseHex(str(x, `${field}.values[${i}]`, 200))))];
      values.forEach((x, i) => {
        if (!want.test(x)) throw new ParseError(`${field}.values[${i}]`, `got ${shown(x)}, want ${want === SHA256_RE ? 64 : 96} hex digits`);
      });
      return { kind: 'pinned', values };
    }
    default:
      throw new ParseError(`${field}.kind`, `got ${shown(v.kind)}, want "none", "releases", "pinned" or "tofu"`);
  }
}

const PROFILE_KEYS = ['id', 'provider', 'label', 'url', 'development', 'trust', 'allowUnknownSoftware', 'manifestUrl'] as const;

export function parseProfile(v: unknown, field: string): GatewayProfile {
  if (!isObj(v)) throw new ParseError(field, `got ${shown(v)}, want a gateway profile`);
  onlyKeys(v, field, PROFILE_KEYS);
  const id = str(v.id, `${field}.id`, 32);
  if (!/^[0-9a-f]{16}$/.test(id)) throw new ParseError(`${field}.id`, `got ${shown(id)}, want 16 hex digits`);
  if (!PROVIDER_KINDS.includes(v.provider as ProviderKind)) throw new ParseError(`${field}.provider`, `got ${shown(v.provider)}, want ${PROVIDER_KINDS.join(', ')}`);
  const provider = v.provider as ProviderKind;
  const url = gatewayUrl(v.url, `${field}.url`);
  const development = bool(v.development ?? false, `${field}.development`);
  // Development trust (simulated evidence, DEV) is scoped to this machine: a remote address may
  // never present evidence signed by the public development keys.
  if (development && !isLoopbackUrl(url)) throw new ParseError(`${field}.development`, `got true for ${url}: development gateways must be on 127.0.0.1, localhost or [::1]`);
  const label = str(v.label ?? '', `${field}.label`, 80).trim() || PROVIDER_DEFAULTS[provider].label;
  const out: GatewayProfile = {
    id,
    provider,
    label,
    url,
    development,
    trust: trustSource(v.trust ?? { kind: 'none' }, `${field}.trust`, provider),
    allowUnknownSoftware: bool(v.allowUnknownSoftware ?? false, `${field}.allowUnknownSoftware`),
  };
  if (provider === 'privatemode') out.manifestUrl = gatewayUrl(v.manifestUrl ?? PROVIDER_DEFAULTS.privatemode.manifestUrl, `${field}.manifestUrl`);
  else if (v.manifestUrl !== undefined) throw new ParseError(`${field}.manifestUrl`, 'only Privatemode profiles have a manifest address');
  return out;
}

function tcbParts(v: unknown, field: string): TcbParts {
  if (!isObj(v)) throw new ParseError(field, `got ${shown(v)}, want {"bl","tee","snp","ucode","fmc"} (each optional, 0..255)`);
  onlyKeys(v, field, ['bl', 'tee', 'snp', 'ucode', 'fmc']);
  const out: TcbParts = {};
  for (const k of ['bl', 'tee', 'snp', 'ucode', 'fmc'] as const) if (v[k] !== undefined && v[k] !== null) out[k] = int(v[k], `${field}.${k}`, 0, 255);
  return out;
}

const SETTINGS_KEYS = [
  'version',
  'gateways',
  'activeGatewayId',
  'minTcb',
  'requireRevocation',
  'passages',
  'confirmBeforeSend',
  'neverReadSites',
  'reasoningEffort',
  'autoLockMinutes',
] as const;

/** Version 1 (one gateway, a global development switch, flat minTcb) as version 2. */
function migrateV1(o: Obj, makeId: () => string): Obj {
  const { gatewayUrl: url, trustDev, trustedMeasurements, minTcb, ...rest } = o;
  const next: Obj = { ...rest, version: 2, gateways: [], activeGatewayId: null };
  if (typeof url === 'string' && url) {
    const id = makeId();
    const pinned = Array.isArray(trustedMeasurements) && trustedMeasurements.length > 0;
    next.gateways = [
      {
        id,
        provider: 'confidant',
        label: PROVIDER_DEFAULTS.confidant.label,
        url,
        // The old switch applied to any address; it now survives only for a loopback gateway.
        development: trustDev === true && isLoopbackUrl(url),
        trust: pinned ? { kind: 'pinned', values: trustedMeasurements } : { kind: 'none' },
        allowUnknownSoftware: false,
      },
    ];
    next.activeGatewayId = id;
  }
  // A v1 flat minimum applied to every product; keep it where it is stricter than the default.
  if (isObj(minTcb) && Object.keys(minTcb).length) {
    const d = defaultSettings().minTcb;
    for (const p of Object.keys(d) as Product[]) {
      const merged: Obj = { ...d[p] };
      for (const [k, val] of Object.entries(minTcb)) if (typeof val === 'number') merged[k] = Math.max(val, Number(merged[k] ?? 0));
      d[p] = merged as TcbParts;
    }
    next.minTcb = d;
  }
  return next;
}

export function randomProfileId(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks a whole settings document (absent fields take their defaults) and returns it normalised.
 * Throws ParseError naming the first bad field (`settings.gateways[0].development`).
 */
export function parseSettings(input: unknown, makeId: () => string = randomProfileId): Settings {
  if (input === undefined || input === null) return defaultSettings();
  if (!isObj(input)) throw new ParseError('settings', `got ${shown(input)}, want an object`);
  const o = input.version === undefined || input.version === 1 ? migrateV1(input, makeId) : input;
  if (o.version !== 2) throw new ParseError('settings.version', `got ${shown(o.version)}, want 2`);
  onlyKeys(o, 'settings', SETTINGS_KEYS);
  const d = defaultSettings();
  const gateways = o.gateways === undefined ? [] : o.gateways;
  if (!Array.isArray(gateways) || gateways.length > 20) throw new ParseError('settings.gateways', `got ${shown(gateways)}, want a list of at most 20 profiles`);
  const profiles = gateways.map((g, i) => parseProfile(g, `settings.gateways[${i}]`));
  const ids = new Set<string>();
  profiles.forEach((p, i) => {
    if (ids.has(p.id)) throw new ParseError(`settings.gateways[${i}].id`, `duplicate id ${p.id}`);
    ids.add(p.id);
  });
  const active = o.activeGatewayId ?? null;
  if (active !== null && (typeof active !== 'string' || !ids.has(active))) throw new ParseError('settings.activeGatewayId', `got ${shown(active)}, want the id of one of the gateways or null`);
  const minTcb = { ...d.minTcb };
  if (o.minTcb !== undefined) {
    if (!isObj(o.minTcb)) throw new ParseError('settings.minTcb', `got ${shown(o.minTcb)}, want {"Milan": {...}, "Genoa": {...}, "Turin": {...}}`);
    onlyKeys(o.minTcb, 'settings.minTcb', ['Milan', 'Genoa', 'Turin']);
    for (const p of ['Milan', 'Genoa', 'Turin'] as const) if (o.minTcb[p] !== undefined) minTcb[p] = tcbParts(o.minTcb[p], `settings.minTcb.${p}`);
  }
  const sites = o.neverReadSites === undefined ? [] : o.neverReadSites;
  if (!Array.isArray(sites) || sites.length > 1000) throw new ParseError('settings.neverReadSites', `got ${shown(sites)}, want a list of host names`);
  const neverReadSites: string[] = [];
  sites.forEach((s, i) => {
    const n = normaliseSite(str(s, `settings.neverReadSites[${i}]`, 300));
    if (n === null) throw new ParseError(`settings.neverReadSites[${i}]`, `got ${shown(s)}, want a host name such as example.com`);
    if (!neverReadSites.includes(n)) neverReadSites.push(n);
  });
  const effort = o.reasoningEffort ?? d.reasoningEffort;
  if (effort !== 'low' && effort !== 'medium' && effort !== 'high') throw new ParseError('settings.reasoningEffort', `got ${shown(effort)}, want "low", "medium" or "high"`);
  return {
    version: 2,
    gateways: profiles,
    activeGatewayId: active,
    minTcb,
    requireRevocation: bool(o.requireRevocation ?? d.requireRevocation, 'settings.requireRevocation'),
    passages: int(o.passages ?? d.passages, 'settings.passages', 1, 20),
    confirmBeforeSend: bool(o.confirmBeforeSend ?? d.confirmBeforeSend, 'settings.confirmBeforeSend'),
    neverReadSites,
    reasoningEffort: effort,
    autoLockMinutes: int(o.autoLockMinutes ?? d.autoLockMinutes, 'settings.autoLockMinutes', 0, 24 * 60),
  };
}

/** The active profile, or null. */
export function activeProfile(s: Settings): GatewayProfile | null {
  return s.gateways.find((g) => g.id === s.activeGatewayId) ?? null;
}

/** The parts of the settings an attestation verdict depends on: a changed fingerprint means re-attest. */
export function trustFingerprintInput(s: Settings, profile: GatewayProfile): unknown {
  return { profile, minTcb: s.minTcb, requireRevocation: s.requireRevocation };
}
