/**
 * Appraising a verified coordinator report against the manifest's SEV-SNP reference values, with
 * Contrast's semantics (its manifest.SNPValidateOpts and go-sev-guest's validate package):
 *  - MEASUREMENT: the reference's TrustedMeasurement is the launch digest for one vCPU; with an
 *    APEIP, each further vCPU adds one AP VMSA page (src/core/attest/sevsnp/measure.ts), tried up
 *    to 220 vCPUs with the product's vCPU signature (EPYC-Milan/-Genoa/-Turin) and SEV_FEATURES
 *    0x1. Without an APEIP it is the exact value.
 *  - ID_KEY_DIGEST: Contrast's deterministic ID key for that measurement and policy (idblock.ts).
 *  - POLICY: nothing the reference forbids (SMT, MIGRATE_MA, DEBUG, CXL), everything it requires
 *    (single socket, AES-256-XTS, RAPL off, ciphertext hiding, page swap off), ABI at least its ABI.
 *  - PLATFORM_INFO: no feature it forbids (SMT, TSME, TIO), every feature it requires (ECC, RAPL
 *    off, ciphertext hiding, alias check complete: the BadRAM mitigation).
 *  - mitigation vectors: every bit of MinimumMitigationVector set in both (VERSION 5 reports).
 *  - TCB: every component of REPORTED, CURRENT, COMMITTED and LAUNCH_TCB at least MinimumTCB's.
 *  - CHIP_ID: on AllowedChipIDs, when the list is not empty.
 * VMPL 0 and REPORT_DATA go to the common validator as policy (provider.ts).
 */
import { bytesEqual, toHex } from '../../bytes.ts';
import { extendForVcpus, VCPU_SIGNATURES } from '../../attest/sevsnp/measure.ts';
import { decodeTcb, type Product, type SnpReport } from '../../attest/sevsnp/abi.ts';
import type { Check } from '../../attest/types.ts';
import { contrastIdKeyDigest } from './idblock.ts';
import { policyBits, type SnpReferenceValue } from './manifest.ts';

export const MAX_VCPUS = 220;
const GUEST_FEATURES = 0x1;
const CPU_FOR: Record<Product, string> = { Milan: 'EPYC-Milan', Genoa: 'EPYC-Genoa', Turin: 'EPYC-Turin' };

function pass(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: true, detail, ...extra };
}
function fail(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: false, detail, ...extra };
}

/** The vCPU count whose launch digest is `measurement`, or null. */
export async function vcpusFor(ref: SnpReferenceValue, measurement: Uint8Array): Promise<number | null> {
  if (bytesEqual(ref.trustedMeasurement, measurement)) return 1;
  if (ref.apEip === null) return null;
  let d = ref.trustedMeasurement;
  const ap = { apEip: ref.apEip, vcpuSig: VCPU_SIGNATURES[CPU_FOR[ref.product]] ?? 0, guestFeatures: GUEST_FEATURES };
  for (let n = 2; n <= MAX_VCPUS; n++) {
    d = await extendForVcpus(d, n - 1, n, ap);
    if (bytesEqual(d, measurement)) return n;
  }
  return null;
}

function policyChecks(r: SnpReport, ref: SnpReferenceValue): Check[] {
  const want = ref.guestPolicy;
  const got = r.POLICY;
  const problems: string[] = [];
  if (got.ABI_MAJOR < want.ABIMajor || (got.ABI_MAJOR === want.ABIMajor && got.ABI_MINOR < want.ABIMinor)) problems.push(`ABI ${got.ABI_MAJOR}.${got.ABI_MINOR} is below ${want.ABIMajor}.${want.ABIMinor}`);
  const forbid: [boolean, boolean, string][] = [
    [got.MIGRATE_MA, want.MigrateMA, 'MIGRATE_MA'],
    [got.DEBUG, want.Debug, 'DEBUG'],
    [got.SMT, want.SMT, 'SMT'],
    [got.CXL_ALLOW, want.CXLAllowed, 'CXL_ALLOW'],
  ];
  for (const [g, allowed, name] of forbid) if (g && !allowed) problems.push(`${name} is set; the reference does not allow it`);
  const require: [boolean, boolean, string][] = [
    [got.SINGLE_SOCKET, want.SingleSocket, 'SINGLE_SOCKET'],
    [got.MEM_AES_256_XTS, want.MemAES256XTS, 'MEM_AES_256_XTS'],
    [got.RAPL_DIS, want.RAPLDis, 'RAPL_DIS'],
    [got.CIPHERTEXT_HIDING, want.CipherTextHidingDRAM, 'CIPHERTEXT_HIDING'],
    [got.PAGE_SWAP_DISABLE, want.PageSwapDisable, 'PAGE_SWAP_DISABLE'],
  ];
  for (const [g, required, name] of require) if (required && !g) problems.push(`${name} is clear; the reference requires it`);
  const gotHex = `0x${got.raw.toString(16)}`;
  return [
    problems.length === 0
      ? pass('privatemode.POLICY', `POLICY ${gotHex} allows nothing the manifest forbids and has everything it requires`, { field: 'POLICY', got: gotHex })
      : fail('privatemode.POLICY', `POLICY ${gotHex}: ${problems.join('; ')}`, { field: 'POLICY', got: gotHex, want: `0x${policyBits(want).toString(16)}` }),
  ];
}

function platformChecks(r: SnpReport, ref: SnpReferenceValue): Check[] {
  const p = r.PLATFORM_INFO;
  const w = ref.platformInfo;
  const problems: string[] = [];
  if (p.SMT_EN && !w.SMTEnabled) problems.push('SMT is enabled on the host');
  if (p.TSME_EN && !w.TSMEEnabled) problems.push('TSME is enabled');
  if (p.TIO_EN && !w.TIOEnabled) problems.push('SEV-TIO is enabled');
  if (!p.ECC_EN && w.ECCEnabled) problems.push('ECC memory is not enabled');
  if (!p.RAPL_DIS && w.RAPLDisabled) problems.push('RAPL is not disabled');
  if (!p.CIPHERTEXT_HIDING_EN && w.CiphertextHidingDRAMEnabled) problems.push('ciphertext hiding is not enabled');
  if (!p.ALIAS_CHECK_COMPLETE && w.AliasCheckComplete) problems.push('the memory alias check (BadRAM) has not completed');
  const got = `0x${p.raw.toString(16)}`;
  return [
    problems.length === 0
      ? pass('privatemode.PLATFORM_INFO', `PLATFORM_INFO ${got} meets the manifest`, { field: 'PLATFORM_INFO', got })
      : fail('privatemode.PLATFORM_INFO', `PLATFORM_INFO ${got}: ${problems.join('; ')}`, { field: 'PLATFORM_INFO', got }),
  ];
}

function mitigationChecks(r: SnpReport, ref: SnpReferenceValue): Check[] {
  const want = ref.minimumMitigationVector;
  if (want === 0n) return [];
  const out: Check[] = [];
  for (const [field, v] of [['LAUNCH_MIT_VECTOR', r.LAUNCH_MIT_VECTOR], ['CURRENT_MIT_VECTOR', r.CURRENT_MIT_VECTOR]] as const) {
    const got = v ?? 0n;
    out.push(
      (got & want) === want
        ? pass(`privatemode.${field}`, `${field} 0x${got.toString(16)} has every mitigation the manifest requires (0x${want.toString(16)})`, { field })
        : fail(`privatemode.${field}`, `${field} 0x${got.toString(16)} lacks mitigations 0x${(want & ~got).toString(16)}${v === undefined ? ' (a VERSION < 5 report carries no mitigation vector)' : ''}`, { field, got: `0x${got.toString(16)}`, want: `all of 0x${want.toString(16)}` }),
    );
  }
  return out;
}

function tcbChecks(r: SnpReport, ref: SnpReferenceValue): Check[] {
  const min = ref.minimumTcb;
  const problems: string[] = [];
  for (const field of ['REPORTED_TCB', 'CURRENT_TCB', 'COMMITTED_TCB', 'LAUNCH_TCB'] as const) {
    const t = decodeTcb(r[field], ref.product);
    for (const k of ['bl', 'tee', 'snp', 'ucode'] as const) if (t[k] < min[k]) problems.push(`${field} ${k} ${t[k]} < ${min[k]}`);
  }
  const want = `bl ${min.bl} · tee ${min.tee} · snp ${min.snp} · ucode ${min.ucode}`;
  return [
    problems.length === 0
      ? pass('privatemode.TCB', `every TCB of the report meets the manifest's minimum (${want})`, { field: 'REPORTED_TCB' })
      : fail('privatemode.TCB', `below the manifest's minimum TCB: ${problems.join('; ')}`, { field: 'REPORTED_TCB', want: `>= ${want}` }),
  ];
}

function chipChecks(r: SnpReport, ref: SnpReferenceValue): Check[] {
  if (ref.allowedChipIds.length === 0) return [];
  const got = toHex(r.CHIP_ID);
  return [
    ref.allowedChipIds.some((c) => bytesEqual(c, r.CHIP_ID))
      ? pass('privatemode.CHIP_ID', 'CHIP_ID is one of the manifest’s allowed chips', { field: 'CHIP_ID', got })
      : fail('privatemode.CHIP_ID', `CHIP_ID is not one of the manifest’s ${ref.allowedChipIds.length} allowed chips`, { field: 'CHIP_ID', got }),
  ];
}

/** Contrast's checks of one reference value. */
export async function referenceChecks(r: SnpReport, ref: SnpReferenceValue): Promise<Check[]> {
  const m = toHex(r.MEASUREMENT);
  const n = await vcpusFor(ref, r.MEASUREMENT);
  const checks: Check[] = [
    n !== null
      ? pass('privatemode.MEASUREMENT', `MEASUREMENT is the manifest's ${ref.product} launch digest${ref.apEip !== null ? ` for ${n} vCPU${n > 1 ? 's' : ''}` : ''}`, { field: 'MEASUREMENT', got: m })
      : fail('privatemode.MEASUREMENT', `MEASUREMENT is not the manifest's launch digest${ref.apEip !== null ? ` for any of 1–${MAX_VCPUS} vCPUs` : ''}`, { field: 'MEASUREMENT', got: m, want: toHex(ref.trustedMeasurement) }),
  ];
  if (n !== null) {
    const want = await contrastIdKeyDigest(r.MEASUREMENT, policyBits(ref.guestPolicy));
    checks.push(
      bytesEqual(want, r.ID_KEY_DIGEST)
        ? pass('privatemode.ID_KEY_DIGEST', 'ID_KEY_DIGEST is the ID key Contrast derives for this launch digest and policy: the guest was launched with its ID block', { field: 'ID_KEY_DIGEST' })
        : fail('privatemode.ID_KEY_DIGEST', 'ID_KEY_DIGEST is not the ID key for this launch digest and the manifest’s policy', { field: 'ID_KEY_DIGEST', got: toHex(r.ID_KEY_DIGEST), want: toHex(want) }),
    );
  }
  return [...checks, ...tcbChecks(r, ref), ...chipChecks(r, ref), ...policyChecks(r, ref), ...platformChecks(r, ref), ...mitigationChecks(r, ref)];
}

/**
 * The reference value this report meets, with its checks; when none does, the checks of the
 * first one for the report's product (or one failing check when the manifest has none for it).
 */
export async function appraiseAgainstManifest(r: SnpReport, refs: readonly SnpReferenceValue[], product: Product): Promise<{ ref: SnpReferenceValue | null; checks: Check[] }> {
  const mine = refs.filter((x) => x.product === product);
  if (mine.length === 0) {
    return { ref: null, checks: [fail('privatemode.reference', `the manifest has no reference values for ${product}`, { got: product, want: [...new Set(refs.map((x) => x.product))].join(' | ') })] };
  }
  let first: Check[] | null = null;
  for (const ref of mine) {
    const checks = await referenceChecks(r, ref);
    if (checks.every((c) => c.passed)) return { ref, checks };
    first ??= checks;
  }
  return { ref: mine[0]!, checks: first! };
}
