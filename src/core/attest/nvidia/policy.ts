/**
 * What a genuine GPU report must also satisfy to be accepted (validate.ts applies it), and the
 * trust anchors verification starts from. Policy is data: `parseGpuPolicy` turns a JSON
 * document into a GpuPolicy in this one place; `defaultGpuPolicy` is NVIDIA production.
 *
 * Trust anchors live here so development (simulated) roots can be supplied by a policy; the
 * evidence itself never decides what is trusted.
 */
import { ParseError } from '../../errors.ts';
import { NVIDIA_DEVICE_ROOT_PEM } from '../roots/nvidia/device-root.ts';
import { NVIDIA_RIM_ROOT_PEM } from '../roots/nvidia/rim-root.ts';
import { NRAS_ISSUER } from './nras.ts';

/**
 * How the measurement blocks are appraised:
 * - `rims`: against NVIDIA's signed driver and VBIOS RIMs, locally (default; both required);
 * - `nras`: by NVIDIA's attestation service, whose signed result is checked here;
 * - `rims-or-nras`: either is enough; whatever is supplied is checked;
 * - `none`: not appraised (development only: the GPU firmware is then unknown).
 */
export type MeasurementAppraisal = 'rims' | 'nras' | 'rims-or-nras' | 'none';

/** Allowed versions: at least `min` and, when given, one of `allowed`. Empty = any. */
export interface VersionRule {
  min?: string;
  allowed?: readonly string[];
}

export interface GpuPolicy {
  measurements: MeasurementAppraisal;
  /** Driver versions are dotted decimal (550.90.07). */
  driver: VersionRule;
  /** VBIOS versions are dotted hex (96.00.9F.00.01). */
  vbios: VersionRule;
  /** Fail reports without an FWID (firmware before ~550 does not send one). */
  requireFwid: boolean;
  /** PEM roots for the GPU device chain. Default: the NVIDIA Device Identity CA. */
  deviceRootsPem: readonly string[];
  /** PEM roots for RIM signing chains. Default: the NVIDIA CoRIM signing Root CA. */
  rimRootsPem: readonly string[];
  nras: {
    /**
     * DER SHA-256 (hex) of the accepted NVIDIA Attestation Service GPU intermediate(s) that
     * certify NRAS signing keys. Default: Intermediate 004 (FACTS.md §6).
     */
    intermediateSha256: readonly string[];
    issuer: string;
    /** Tolerated clock difference for exp/nbf/iat. */
    clockSkewSeconds: number;
  };
}

/** "NVIDIA Attestation Service GPU Intermediate 004", issued by "NVIDIA Attestation Service CA 001", valid 2025-12-08..2029-12-08. */
export const NRAS_INTERMEDIATE_004_SHA256 = '2df8907cf4d6c277b855d407ec178a649930a8e73f7294e8fce66e6ee27c5175';

export const defaultGpuPolicy: GpuPolicy = Object.freeze({
  measurements: 'rims',
  driver: Object.freeze({}),
  vbios: Object.freeze({}),
  requireFwid: false,
  deviceRootsPem: Object.freeze([NVIDIA_DEVICE_ROOT_PEM]),
  rimRootsPem: Object.freeze([NVIDIA_RIM_ROOT_PEM]),
  nras: Object.freeze({
    intermediateSha256: Object.freeze([NRAS_INTERMEDIATE_004_SHA256]),
    issuer: NRAS_ISSUER,
    clockSkewSeconds: 60,
  }),
}) as GpuPolicy;

const DRIVER_RE = /^[0-9]+(\.[0-9]+)*$/;
const VBIOS_RE = /^[0-9A-Fa-f]{2}(\.[0-9A-Fa-f]{2}){4}$/;

/**
 * Compares dotted versions component by component (missing components count as 0).
 * Returns null when either is not a version of that kind.
 */
export function compareVersions(a: string, b: string, kind: 'driver' | 'vbios'): number | null {
  const re = kind === 'driver' ? DRIVER_RE : VBIOS_RE;
  if (!re.test(a) || !re.test(b)) return null;
  const radix = kind === 'driver' ? 10 : 16;
  const x = a.split('.').map((s) => parseInt(s, radix));
  const y = b.split('.').map((s) => parseInt(s, radix));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}

function rule(field: string, v: unknown, kind: 'driver' | 'vbios'): VersionRule {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ParseError(field, 'want an object {min?, allowed?}');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'min' && k !== 'allowed') throw new ParseError(`${field}.${k}`, 'unknown field');
  const out: { min?: string; allowed?: string[] } = {};
  const re = kind === 'driver' ? DRIVER_RE : VBIOS_RE;
  if (o.min !== undefined) {
    if (typeof o.min !== 'string' || !re.test(o.min)) throw new ParseError(`${field}.min`, `got ${JSON.stringify(o.min)}, want a ${kind} version`);
    out.min = o.min;
  }
  if (o.allowed !== undefined) {
    if (!Array.isArray(o.allowed) || o.allowed.some((s) => typeof s !== 'string' || !re.test(s))) {
      throw new ParseError(`${field}.allowed`, `want a list of ${kind} versions`);
    }
    out.allowed = o.allowed as string[];
  }
  return out;
}

function strings(field: string, v: unknown, fallback: readonly string[], check?: (s: string) => boolean): readonly string[] {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || (check && !check(s)))) throw new ParseError(field, 'want a non-empty list of strings');
  return v as string[];
}

/** Turns a JSON policy document into a GpuPolicy; absent fields take the defaults. */
export function parseGpuPolicy(json: unknown, field = 'gpuPolicy'): GpuPolicy {
  if (json === undefined || json === null) return defaultGpuPolicy;
  if (typeof json !== 'object' || Array.isArray(json)) throw new ParseError(field, 'want an object');
  const o = json as Record<string, unknown>;
  const known = ['measurements', 'driver', 'vbios', 'requireFwid', 'deviceRootsPem', 'rimRootsPem', 'nras'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new ParseError(`${field}.${k}`, 'unknown field');
  const m = o.measurements ?? defaultGpuPolicy.measurements;
  if (m !== 'rims' && m !== 'nras' && m !== 'rims-or-nras' && m !== 'none') {
    throw new ParseError(`${field}.measurements`, `got ${JSON.stringify(m)}, want rims, nras, rims-or-nras or none`);
  }
  if (o.requireFwid !== undefined && typeof o.requireFwid !== 'boolean') throw new ParseError(`${field}.requireFwid`, 'want a boolean');
  const n = (o.nras ?? {}) as Record<string, unknown>;
  if (typeof n !== 'object' || Array.isArray(n)) throw new ParseError(`${field}.nras`, 'want an object');
  for (const k of Object.keys(n)) if (!['intermediateSha256', 'issuer', 'clockSkewSeconds'].includes(k)) throw new ParseError(`${field}.nras.${k}`, 'unknown field');
  const skew = n.clockSkewSeconds ?? defaultGpuPolicy.nras.clockSkewSeconds;
  if (typeof skew !== 'number' || !(skew >= 0 && skew <= 3600)) throw new ParseError(`${field}.nras.clockSkewSeconds`, 'want 0..3600');
  if (n.issuer !== undefined && typeof n.issuer !== 'string') throw new ParseError(`${field}.nras.issuer`, 'want a string');
  return {
    measurements: m,
    driver: rule(`${field}.driver`, o.driver, 'driver'),
    vbios: rule(`${field}.vbios`, o.vbios, 'vbios'),
    requireFwid: (o.requireFwid as boolean | undefined) ?? defaultGpuPolicy.requireFwid,
    deviceRootsPem: strings(`${field}.deviceRootsPem`, o.deviceRootsPem, defaultGpuPolicy.deviceRootsPem),
    rimRootsPem: strings(`${field}.rimRootsPem`, o.rimRootsPem, defaultGpuPolicy.rimRootsPem),
    nras: {
      intermediateSha256: strings(`${field}.nras.intermediateSha256`, n.intermediateSha256, defaultGpuPolicy.nras.intermediateSha256, (s) => /^[0-9a-fA-F]{64}$/.test(s)),
      issuer: (n.issuer as string | undefined) ?? defaultGpuPolicy.nras.issuer,
      clockSkewSeconds: skew,
    },
  };
}
