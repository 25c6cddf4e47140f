/**
 * The attestation policy: a JSON document, turned into typed options (SnpPolicy, GpuPolicy) here
 * and nowhere else. Every field is optional; an absent field keeps its PRODUCTION_POLICY value, so
 * `{}` is the production policy and a deployment states only what it adds (its MEASUREMENTs,
 * minimum TCB, ...). Bytes are hex strings. Unknown fields are errors, so a typo cannot silently
 * weaken a policy. Schema (docs/attestation.md, "Policy"):
 *
 *   {
 *     "allowSimulated": false,        trust the development roots (src/core/attest/roots/dev): simulated evidence
 *     "requireGpu": true,             at least one GPU's evidence must be present
 *     "crl": "fetch",                 AMD CRL: "if-given" | "fetch" (given, else fetched from AMD KDS through
 *                                     opts.fetch; a fetch that cannot run is reported as "revocation not
 *                                     checked", not failed) | "require" (given or fetched, or the check fails)
 *     "snp": {
 *       "measurements": ["<96 hex>"], trusted launch MEASUREMENTs; [] = any (a check says so; the
 *                                     extension appraises the software separately, src/core/trust)
 *       "minTcb": {"bl","tee","snp","ucode","fmc"},     minimum REPORTED_TCB parts (fmc: Turin only)
 *       "minTcbByProduct": {"Milan": {...}, "Genoa": {...}, "Turin": {...}},  per product line
 *       "minCurrentTcb": {...}, "minCommittedTcb": {...}, "minLaunchTcb": {...},
 *       "allowDebug": false, "allowMigrateMA": false, "allowSmt": true,
 *       "minAbi": "1.51",             minimum POLICY.ABI_MAJOR.ABI_MINOR
 *       "minFirmware": "1.55" | "1.55.40",   minimum CURRENT_MAJOR.CURRENT_MINOR[.CURRENT_BUILD]
 *       "vmpls": [0], "maxVmpl": 0,
 *       "reportData": "<128 hex>", "hostData": "<64 hex>",
 *       "chipIds": ["<128 hex>"], "idKeyDigests": ["<96 hex>"], "authorKeyDigests": ["<96 hex>"],
 *       "minGuestSvn": 0,
 *       "products": ["Milan", "Genoa", "Turin"],
 *       "signingKeys": ["VCEK", "VLEK"]
 *     },
 *     "gpu": {                        see src/core/attest/nvidia/policy.ts
 *       "measurements": "rims-or-nras",   "rims" | "nras" | "rims-or-nras" | "none"
 *       "driver": {"min": "550.90.07", "allowed": [...]}, "vbios": {"min": "96.00.9F.00.01"},
 *       "requireFwid": false,
 *       "nras": {"clockSkewSeconds": 60}
 *     }
 *   }
 *
 * Trust anchors are not part of the document: AMD's and NVIDIA's are pinned in code, and the
 * development ones are added by verifyEvidence only when `allowSimulated` is true.
 */
import { ParseError } from '../errors.ts';
import { fromHex } from '../bytes.ts';
import { parseGpuPolicy } from './nvidia/policy.ts';
import type { GpuPolicy } from './nvidia/policy.ts';
import { PRODUCTS, isProduct } from './sevsnp/abi.ts';
import type { Product } from './sevsnp/abi.ts';
import { defaultSnpPolicy } from './sevsnp/validate.ts';
import type { SnpPolicy, TcbField, TcbMinimum } from './sevsnp/validate.ts';
import type { CrlPolicy } from './sevsnp/verify.ts';

/** Typed policy. Build it with `parsePolicy`; PRODUCTION_POLICY is `parsePolicy({})`. */
export interface Policy {
  snp: SnpPolicy;
  gpu: GpuPolicy;
  /** Trust the development roots (simulated evidence). Never true in production. */
  allowSimulated: boolean;
  /** At least one GPU's evidence must be present. */
  requireGpu: boolean;
}

/** The JSON document as it arrives (settings, a file, the CLI). */
export type PolicyJson = Record<string, unknown>;

/**
 * Minimum platform TCB per product line. A platform below these runs firmware or microcode with
 * known SEV-SNP breaks, so its reports cannot be taken at their word:
 *  - AMD-SB-3019 (EntrySign, CVE-2024-56161, Feb 2025): the microcode signature check could be
 *    bypassed; fixed by microcode 0x0A0011D5 on Milan (MICROCODE SPL 0xD5 = 213) and 0x0A101154 on
 *    Genoa (SPL 0x54 = 84).
 *  - AMD-SB-3015 (BadRAM, CVE-2024-21944, Dec 2024): fixed in SEV firmware that checks the memory
 *    configuration. The SNP and BOOT_LOADER SPLs below are those mitigated production fleets run:
 *    Contrast's Milan reference values (bl 3, tee 0, snp 23, ucode 213); Tinfoil's Genoa minimum
 *    bootloader (bl 7), and a Genoa production report of 2026 (snp 23, ucode 84).
 * Turin: we found no SPL values for AMD's fixes that we could check offline, so none is set and the
 * TCB check says so. Deployments raise these (Settings, Trust); they are a floor, not a target.
 */
export const DEFAULT_MIN_TCB: Readonly<Record<Product, TcbMinimum>> = Object.freeze({
  Milan: Object.freeze({ bl: 3, tee: 0, snp: 23, ucode: 213 }),
  Genoa: Object.freeze({ bl: 7, tee: 0, snp: 23, ucode: 84 }),
  Turin: Object.freeze({}),
});

/**
 * The production policy as a document: DEBUG and MIGRATE_MA forbidden, SMT allowed, VMPL 0 only
 * (a report from a lower privilege level vouches only for what runs below it), the minimum TCB per
 * product above, any MEASUREMENT here (the extension appraises the software against the gateway's
 * trust source, src/core/trust), AMD's CRL fetched (a fetch that cannot run is reported, not
 * failed, unless `crl: "require"`), every GPU appraised by NVIDIA's RIMs or a signed NRAS result,
 * at least one GPU, no simulated evidence.
 */
export const PRODUCTION_POLICY_JSON: Readonly<PolicyJson> = Object.freeze({
  allowSimulated: false,
  requireGpu: true,
  crl: 'fetch',
  snp: Object.freeze({
    measurements: [],
    minTcbByProduct: DEFAULT_MIN_TCB,
    allowDebug: false,
    allowMigrateMA: false,
    allowSmt: true,
    vmpls: [0],
    signingKeys: ['VCEK', 'VLEK'],
  }),
  gpu: Object.freeze({
    measurements: 'rims-or-nras',
  }),
});

// ---- field readers: each names the field and says what it wanted ----

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function got(x: unknown): string {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function onlyKeys(o: Obj, field: string, known: readonly string[], why?: Record<string, string>): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new ParseError(`${field}.${k}`, why?.[k] ?? `unknown field (known: ${known.join(', ')})`);
  }
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new ParseError(field, `got ${got(v)}, want true or false`);
  return v;
}

function uint(v: unknown, field: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new ParseError(field, `got ${got(v)}, want an integer 0..${max}`);
  return v;
}

function hexBytes(v: unknown, field: string, size: number): Uint8Array {
  if (typeof v !== 'string') throw new ParseError(field, `got ${got(v)}, want ${size * 2} hex digits (${size} bytes)`);
  const s = v.trim();
  if (s.replace(/^0x/i, '').length !== size * 2) throw new ParseError(field, `got ${s.replace(/^0x/i, '').length} hex digits, want ${size * 2} (${size} bytes)`);
  return fromHex(s, field);
}

function hexList(v: unknown, field: string, size: number): Uint8Array[] {
  if (!Array.isArray(v)) throw new ParseError(field, `got ${got(v)}, want a list of ${size * 2}-digit hex strings`);
  return v.map((x, i) => hexBytes(x, `${field}[${i}]`, size));
}

function tcbMin(v: unknown, field: string): TcbMinimum {
  if (!isObj(v)) throw new ParseError(field, `got ${got(v)}, want {"bl","tee","snp","ucode","fmc"} (each optional, 0..255)`);
  onlyKeys(v, field, ['bl', 'tee', 'snp', 'ucode', 'fmc']);
  const out: TcbMinimum = {};
  for (const k of ['bl', 'tee', 'snp', 'ucode', 'fmc'] as const) if (v[k] !== undefined) out[k] = uint(v[k], `${field}.${k}`, 255);
  return out;
}

/** "1.51" -> {major 1, minor 51}; "1.55.40" (with build) when `withBuild`. */
function version(v: unknown, field: string, withBuild: boolean): { major: number; minor: number; build?: number } {
  const re = withBuild ? /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/ : /^(\d{1,3})\.(\d{1,3})$/;
  const m = typeof v === 'string' ? re.exec(v) : null;
  if (!m) throw new ParseError(field, `got ${got(v)}, want "major.minor"${withBuild ? ' or "major.minor.build"' : ''}`);
  const out: { major: number; minor: number; build?: number } = { major: uint(Number(m[1]), field, 255), minor: uint(Number(m[2]), field, 255) };
  if (m[3] !== undefined) out.build = uint(Number(m[3]), field, 255);
  return out;
}

const SNP_KEYS = [
  'measurements',
  'minTcb',
  'minTcbByProduct',
  'minCurrentTcb',
  'minCommittedTcb',
  'minLaunchTcb',
  'allowDebug',
  'allowMigrateMA',
  'allowSmt',
  'minAbi',
  'minFirmware',
  'vmpls',
  'maxVmpl',
  'reportData',
  'hostData',
  'chipIds',
  'idKeyDigests',
  'authorKeyDigests',
  'minGuestSvn',
  'products',
  'signingKeys',
] as const;

const TCB_KEYS: Record<string, TcbField> = {
  minTcb: 'REPORTED_TCB',
  minCurrentTcb: 'CURRENT_TCB',
  minCommittedTcb: 'COMMITTED_TCB',
  minLaunchTcb: 'LAUNCH_TCB',
};

function snpPolicy(o: Obj, crl: CrlPolicy): SnpPolicy {
  const f = 'policy.snp';
  onlyKeys(o, f, SNP_KEYS);
  const minTcb: SnpPolicy['minTcb'] = {};
  for (const [k, field] of Object.entries(TCB_KEYS)) if (o[k] !== undefined) minTcb[field] = tcbMin(o[k], `${f}.${k}`);
  let minTcbByProduct: SnpPolicy['minTcbByProduct'];
  if (o.minTcbByProduct !== undefined) {
    const m = o.minTcbByProduct;
    if (!isObj(m)) throw new ParseError(`${f}.minTcbByProduct`, `got ${got(m)}, want {"Milan": {...}, "Genoa": {...}, "Turin": {...}}`);
    onlyKeys(m, `${f}.minTcbByProduct`, PRODUCTS);
    minTcbByProduct = {};
    for (const p of PRODUCTS) if (m[p] !== undefined) minTcbByProduct[p] = tcbMin(m[p], `${f}.minTcbByProduct.${p}`);
  }
  const p: SnpPolicy = {
    measurements: o.measurements === undefined ? [] : hexList(o.measurements, `${f}.measurements`, 48),
    minTcb,
    allowDebug: o.allowDebug === undefined ? defaultSnpPolicy.allowDebug : bool(o.allowDebug, `${f}.allowDebug`),
    allowMigrateMA: o.allowMigrateMA === undefined ? defaultSnpPolicy.allowMigrateMA : bool(o.allowMigrateMA, `${f}.allowMigrateMA`),
    allowSmt: o.allowSmt === undefined ? defaultSnpPolicy.allowSmt : bool(o.allowSmt, `${f}.allowSmt`),
    signingKeys: defaultSnpPolicy.signingKeys,
    crl,
  };
  if (minTcbByProduct) p.minTcbByProduct = minTcbByProduct;
  if (o.minAbi !== undefined) {
    const { major, minor } = version(o.minAbi, `${f}.minAbi`, false);
    p.minAbi = { major, minor };
  }
  if (o.minFirmware !== undefined) p.minFirmware = version(o.minFirmware, `${f}.minFirmware`, true);
  if (o.vmpls !== undefined) {
    if (!Array.isArray(o.vmpls) || o.vmpls.length === 0) throw new ParseError(`${f}.vmpls`, `got ${got(o.vmpls)}, want a non-empty list of 0..3`);
    p.vmpls = o.vmpls.map((v, i) => uint(v, `${f}.vmpls[${i}]`, 3));
  }
  if (o.maxVmpl !== undefined) p.maxVmpl = uint(o.maxVmpl, `${f}.maxVmpl`, 3);
  if (o.reportData !== undefined) p.reportData = hexBytes(o.reportData, `${f}.reportData`, 64);
  if (o.hostData !== undefined) p.hostData = hexBytes(o.hostData, `${f}.hostData`, 32);
  if (o.chipIds !== undefined) p.chipIds = hexList(o.chipIds, `${f}.chipIds`, 64);
  if (o.idKeyDigests !== undefined) p.idKeyDigests = hexList(o.idKeyDigests, `${f}.idKeyDigests`, 48);
  if (o.authorKeyDigests !== undefined) p.authorKeyDigests = hexList(o.authorKeyDigests, `${f}.authorKeyDigests`, 48);
  if (o.minGuestSvn !== undefined) p.minGuestSvn = uint(o.minGuestSvn, `${f}.minGuestSvn`, 0xffffffff);
  if (o.products !== undefined) {
    if (!Array.isArray(o.products) || o.products.length === 0 || !o.products.every(isProduct)) {
      throw new ParseError(`${f}.products`, `got ${got(o.products)}, want a non-empty list of ${PRODUCTS.join(', ')}`);
    }
    p.products = [...(o.products as Product[])];
  }
  if (o.signingKeys !== undefined) {
    const k = o.signingKeys;
    if (!Array.isArray(k) || k.length === 0 || !k.every((x) => x === 'VCEK' || x === 'VLEK')) {
      throw new ParseError(`${f}.signingKeys`, `got ${got(k)}, want a non-empty list of "VCEK", "VLEK"`);
    }
    p.signingKeys = [...(k as Array<'VCEK' | 'VLEK'>)];
  }
  return p;
}

/** GPU fields a document may set; trust anchors stay in code. */
const GPU_KEYS = ['measurements', 'driver', 'vbios', 'requireFwid', 'nras'] as const;
const ANCHOR_FIELD = 'trust anchors are pinned in code, not set by a policy document';

function gpuPolicy(o: Obj): GpuPolicy {
  const f = 'policy.gpu';
  onlyKeys(o, f, GPU_KEYS, { deviceRootsPem: ANCHOR_FIELD, rimRootsPem: ANCHOR_FIELD });
  if (o.nras !== undefined) {
    if (!isObj(o.nras)) throw new ParseError(`${f}.nras`, `got ${got(o.nras)}, want {"clockSkewSeconds"}`);
    onlyKeys(o.nras, `${f}.nras`, ['clockSkewSeconds'], { intermediateSha256: ANCHOR_FIELD, issuer: ANCHOR_FIELD });
  }
  return parseGpuPolicy(o, f);
}

function merged(base: Readonly<PolicyJson>, over: PolicyJson, key: 'snp' | 'gpu'): Obj {
  const b = base[key] as Obj;
  const o = over[key];
  if (o === undefined) return { ...b };
  if (!isObj(o)) throw new ParseError(`policy.${key}`, `got ${got(o)}, want an object`);
  return { ...b, ...o };
}

/**
 * Turns a policy document (object or JSON text) into a typed Policy. Absent fields keep their
 * PRODUCTION_POLICY value. Throws ParseError naming the first bad field (`policy.snp.minTcb.ucode`).
 */
export function parsePolicy(input: PolicyJson | string): Policy {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new ParseError('policy', `not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!isObj(json)) throw new ParseError('policy', `got ${got(json)}, want a JSON object`);
  onlyKeys(json, 'policy', ['allowSimulated', 'requireGpu', 'crl', 'snp', 'gpu']);
  const base = PRODUCTION_POLICY_JSON;
  const crl = json.crl ?? base.crl;
  if (crl !== 'if-given' && crl !== 'fetch' && crl !== 'require') throw new ParseError('policy.crl', `got ${got(crl)}, want "if-given", "fetch" or "require"`);
  return {
    allowSimulated: bool(json.allowSimulated ?? base.allowSimulated, 'policy.allowSimulated'),
    requireGpu: bool(json.requireGpu ?? base.requireGpu, 'policy.requireGpu'),
    snp: snpPolicy(merged(base, json, 'snp'), crl),
    gpu: gpuPolicy(merged(base, json, 'gpu')),
  };
}

/** The production policy, typed: `parsePolicy({})`. Spread it to change one thing. */
export const PRODUCTION_POLICY: Readonly<Policy> = Object.freeze(parsePolicy({}));
