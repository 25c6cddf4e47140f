/**
 * Layer 3 ("does this genuine report satisfy my policy?"): nonce, driver and VBIOS versions,
 * and the measurement blocks against NVIDIA's reference integrity manifests. Checks no
 * signatures (verify.ts, rim.ts and nras.ts do); every check runs and every failure names the
 * field with got versus want.
 *
 * Measurement rules follow NVIDIA's local verifier (nvtrust, gpu_verifiers/local_gpu_verifier):
 * - RIM index i describes SPDM measurement block i+1 (check ids use the SPDM block number);
 * - only `active` RIM entries are compared; any of Hash0..HashN may match;
 * - the driver RIM and the VBIOS RIM must not both be active at the same index;
 * - RIM index 35 is skipped when NVDEC0 is disabled (opaque NVDEC0_STATUS 0x55);
 * - each RIM's colloquialVersion must equal the report's driver / VBIOS version.
 */
import type { Check } from '../types.ts';
import { bytesEqual, toHex } from '../../bytes.ts';
import { type GpuPolicy, type VersionRule, compareVersions } from './policy.ts';
import type { Rim } from './rim.ts';
import { STATUS_DISABLED, type SpdmEvidence } from './spdm.ts';

/** RIM index NVIDIA's verifier skips when NVDEC0 is disabled. */
export const NVDEC0_RIM_INDEX = 35;

/** gpu.nonce: the requester nonce (GET_MEASUREMENTS.Nonce, inside the signed range) equals the verifier's. */
export function checkNonce(ev: SpdmEvidence, expected: Uint8Array | undefined): Check {
  const got = toHex(ev.request.nonce);
  if (!expected) {
    return { id: 'gpu.nonce', passed: false, detail: 'no expected nonce was supplied, so the report cannot be shown to be fresh', field: 'GET_MEASUREMENTS.Nonce', got, want: 'an expected nonce' };
  }
  const want = toHex(expected);
  const ok = bytesEqual(ev.request.nonce, expected);
  return {
    id: 'gpu.nonce',
    passed: ok,
    detail: ok ? 'the requester nonce in the signed report equals the expected nonce' : `GET_MEASUREMENTS.Nonce: got ${got}, want ${want}`,
    field: 'GET_MEASUREMENTS.Nonce',
    got,
    want,
  };
}

/** gpu.driver.version / gpu.vbios.version against the policy's min / allowed list. */
export function checkVersion(kind: 'driver' | 'vbios', got: string | null, rule: VersionRule): Check {
  const id = `gpu.${kind}.version`;
  const field = kind === 'driver' ? 'OpaqueData DRIVER_VERSION' : 'OpaqueData VBIOS_VERSION';
  const label = kind === 'driver' ? 'driver' : 'VBIOS';
  const wantText = [rule.min ? `at least ${rule.min}` : null, rule.allowed ? `one of ${rule.allowed.join(', ')}` : null].filter(Boolean).join(' and ') || 'any version';
  if (got === null) return { id, passed: false, detail: `the report has no ${label} version`, field, got: 'absent', want: wantText };
  const problems: string[] = [];
  if (rule.min) {
    const c = compareVersions(got, rule.min, kind);
    if (c === null) problems.push(`${got} is not comparable with ${rule.min}`);
    else if (c < 0) problems.push(`${got} is older than ${rule.min}`);
  }
  if (rule.allowed && !rule.allowed.some((a) => compareVersions(a, got, kind) === 0)) problems.push(`${got} is not in the allowed list`);
  return {
    id,
    passed: problems.length === 0,
    detail: problems.length === 0 ? `${label} version ${got} is allowed (${wantText})` : `${label} version: got ${got}, want ${wantText} (${problems.join('; ')})`,
    field,
    got,
    want: wantText,
  };
}

export interface AppraisedRim {
  rim: Rim;
  /** Signature and signing chain passed (rim.ts). Measurements of an untrusted RIM never pass. */
  trusted: boolean;
}

/** gpu.rim.<kind>.version: the RIM is for the firmware the report names. */
export function checkRimVersion(kind: 'driver' | 'vbios', r: AppraisedRim, reported: string | null): Check {
  const got = r.rim.colloquialVersion;
  const ok = reported !== null && compareVersions(got, reported, kind) === 0 && (kind === 'vbios' || got === reported);
  const label = kind === 'driver' ? 'driver' : 'VBIOS';
  return {
    id: `gpu.rim.${kind}.version`,
    passed: ok,
    detail: ok ? `the ${label} RIM is for ${label} ${got}, the version in the report` : `${label} RIM colloquialVersion: got ${got}, want ${reported ?? '(the report has none)'} (the report's ${label} version)`,
    field: 'Meta.colloquialVersion',
    got,
    want: reported ?? 'absent',
  };
}

/**
 * gpu.rim.overlap and gpu.measurement.block<N> for every active reference measurement.
 * `driver` / `vbios` may be absent (then their indexes are simply not compared).
 */
export function checkMeasurements(ev: SpdmEvidence, driver: AppraisedRim | undefined, vbios: AppraisedRim | undefined): Check[] {
  const checks: Check[] = [];
  const byIndex = new Map<number, { source: 'driver' | 'vbios'; r: AppraisedRim; hashes: string[] }[]>();
  for (const [source, r] of [
    ['driver', driver],
    ['vbios', vbios],
  ] as const) {
    if (!r) continue;
    for (const m of r.rim.measurements) {
      if (!m.active) continue;
      const list = byIndex.get(m.index) ?? [];
      list.push({ source, r, hashes: m.hashes });
      byIndex.set(m.index, list);
    }
  }
  const overlaps = [...byIndex.entries()].filter(([, l]) => l.length > 1).map(([i]) => i);
  if (driver && vbios) {
    checks.push({
      id: 'gpu.rim.overlap',
      passed: overlaps.length === 0,
      detail: overlaps.length === 0 ? 'the driver and VBIOS RIMs are never both active at one index' : `driver and VBIOS RIMs are both active at RIM index ${overlaps.join(', ')}`,
      field: 'Resource.active',
      got: overlaps.length ? overlaps.join(', ') : 'none',
      want: 'none',
    });
  }
  const nvdec0Disabled = ev.response.opaque.nvdec0Status === STATUS_DISABLED;
  for (const index of [...byIndex.keys()].sort((a, b) => a - b)) {
    const refs = byIndex.get(index)!;
    const block = index + 1;
    const id = `gpu.measurement.block${block}`;
    const field = `MeasurementRecord block ${block} (RIM index ${index})`;
    const source = refs.map((x) => x.source).join('+');
    if (index === NVDEC0_RIM_INDEX && nvdec0Disabled) {
      checks.push({ id, passed: true, detail: `skipped: RIM index ${index} is not compared while NVDEC0 is disabled (NVDEC0_STATUS 0x55), as NVIDIA's verifier does`, field });
      continue;
    }
    if (refs.length > 1) {
      checks.push({ id, passed: false, detail: `block ${block}: both the driver and the VBIOS RIM claim RIM index ${index} (see gpu.rim.overlap)`, field });
      continue;
    }
    const ref = refs[0]!;
    const b = ev.response.blocks.find((x) => x.index === block);
    const want = ref.hashes.join(' or ');
    if (!b) {
      checks.push({ id, passed: false, detail: `block ${block}: the report has no measurement block ${block}, want one matching the ${source} RIM`, field, got: 'absent', want });
      continue;
    }
    const got = toHex(b.value);
    const match = ref.hashes.includes(got);
    const ok = match && ref.r.trusted;
    checks.push({
      id,
      passed: ok,
      detail: ok
        ? `block ${block} matches the ${source} RIM ${ref.r.rim.colloquialVersion} (RIM index ${index})`
        : !match
          ? `block ${block} (${source} RIM index ${index}): got ${got}, want ${want}`
          : `block ${block} matches the ${source} RIM, but that RIM is not trusted (see gpu.rim.${source}.signature and .chain)`,
      field,
      got,
      want,
    });
  }
  return checks;
}

/**
 * gpu.rim.<kind>.present / gpu.nras.present where the policy requires them, and the summary
 * gpu.measurements naming how the measurements were appraised.
 */
export function checkAppraisal(
  policy: GpuPolicy,
  have: { driverRim: boolean; vbiosRim: boolean; nras: boolean },
  earlier: readonly Check[],
): Check[] {
  const out: Check[] = [];
  const mode = policy.measurements;
  const needRims = mode === 'rims' || (mode === 'rims-or-nras' && !have.nras);
  if (needRims) {
    for (const kind of ['driver', 'vbios'] as const) {
      const present = kind === 'driver' ? have.driverRim : have.vbiosRim;
      out.push({
        id: `gpu.rim.${kind}.present`,
        passed: present,
        detail: present ? `a ${kind} RIM was supplied` : `no ${kind === 'driver' ? 'driver' : 'VBIOS'} RIM was supplied; policy (measurements: ${mode}) requires one`,
        field: `${kind} RIM`,
        got: present ? 'supplied' : 'absent',
        want: 'supplied',
      });
    }
  }
  if (mode === 'nras') {
    out.push({ id: 'gpu.nras.present', passed: have.nras, detail: have.nras ? 'an NRAS result was supplied' : 'no NRAS result was supplied; policy (measurements: nras) requires one', field: 'NRAS token', got: have.nras ? 'supplied' : 'absent', want: 'supplied' });
  }
  const failedRim = [...earlier, ...out].filter((c) => !c.passed && (c.id.startsWith('gpu.rim.') || c.id.startsWith('gpu.measurement.')));
  const failedNras = [...earlier, ...out].filter((c) => !c.passed && c.id.startsWith('gpu.nras.'));
  const rimsOk = have.driverRim && have.vbiosRim && failedRim.length === 0;
  const nrasOk = have.nras && failedNras.length === 0;
  let passed: boolean;
  let detail: string;
  switch (mode) {
    case 'none':
      passed = true;
      detail = 'measurements not appraised: policy measurements is "none" (development only)';
      break;
    case 'rims':
      passed = rimsOk;
      detail = rimsOk ? 'every active reference measurement of the driver and VBIOS RIMs matches' : `local RIM appraisal failed: ${failedRim.map((c) => c.id).join(', ') || 'RIMs missing'}`;
      break;
    case 'nras':
      passed = nrasOk;
      detail = nrasOk ? 'NVIDIA’s attestation service appraised the measurements and its signed result checks out' : `NRAS appraisal failed: ${failedNras.map((c) => c.id).join(', ') || 'no result'}`;
      break;
    default:
      passed = rimsOk || nrasOk;
      detail = passed
        ? `appraised by ${[rimsOk ? 'local RIMs' : null, nrasOk ? 'NRAS' : null].filter(Boolean).join(' and ')}`
        : `neither local RIMs nor NRAS appraised the measurements successfully${failedRim.length + failedNras.length ? `: ${[...failedRim, ...failedNras].map((c) => c.id).join(', ')}` : ''}`;
  }
  out.push({ id: 'gpu.measurements', passed, detail, field: 'measurements', got: passed ? 'appraised' : 'not appraised', want: `appraised (${mode})` });
  return out;
}
