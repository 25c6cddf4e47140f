/**
 * validate: "does this genuine report satisfy my policy?"
 *
 * Runs every configured check and reports every failure, each naming the field as AMD names it
 * (56860 Table 23, Table 10 for POLICY, Table 3 for TCB_VERSION) with got versus want.
 * It checks no signature and no certificate: run it on a report verify.ts has accepted.
 */
import type { Check } from '../types.ts';
import { bytesEqual, hexInt, toHex } from '../../bytes.ts';
import { decodeTcb, tcbHex } from './abi.ts';
import type { Product, SnpReport, TcbParts } from './abi.ts';
import type { CrlPolicy } from './verify.ts';

/** Minimum security patch level per TCB component; absent components are not checked. */
export interface TcbMinimum {
  bl?: number;
  tee?: number;
  snp?: number;
  ucode?: number;
  /** Turin only. */
  fmc?: number;
}

export type TcbField = 'REPORTED_TCB' | 'CURRENT_TCB' | 'COMMITTED_TCB' | 'LAUNCH_TCB';

/** Typed SEV-SNP policy. Built from the JSON policy document in exactly one place (../policy.ts). */
export interface SnpPolicy {
  /** Trusted MEASUREMENTs (48 bytes each). Empty: any measurement, and a passing check says so. */
  measurements: readonly Uint8Array[];
  /** Minimum SPLs per TCB field. REPORTED_TCB is the TCB the VCEK certifies. */
  minTcb: Partial<Record<TcbField, TcbMinimum>>;
  /**
   * Minimum REPORTED_TCB per product line (AMD's fixes differ per line); applied together with
   * `minTcb.REPORTED_TCB`, the higher of the two winning per component.
   */
  minTcbByProduct?: Partial<Record<Product, TcbMinimum>>;
  /** Accept POLICY.DEBUG = 1 (the host can read and change guest memory). */
  allowDebug: boolean;
  /** Accept POLICY.MIGRATE_MA = 1 (a migration agent may export the guest). */
  allowMigrateMA: boolean;
  /** Accept POLICY.SMT = 1 (the guest may run with simultaneous multithreading). */
  allowSmt: boolean;
  /** Minimum POLICY.ABI_MAJOR.ABI_MINOR: the oldest firmware ABI the guest agreed to run on. */
  minAbi?: { major: number; minor: number };
  /** Allowed VMPLs (any of). */
  vmpls?: readonly number[];
  /** Highest allowed VMPL. */
  maxVmpl?: number;
  /** Exact REPORT_DATA (64 bytes). */
  reportData?: Uint8Array;
  /** Allowed CHIP_IDs (64 bytes each). */
  chipIds?: readonly Uint8Array[];
  /** Exact HOST_DATA (32 bytes). */
  hostData?: Uint8Array;
  /** Allowed ID_KEY_DIGESTs (48 bytes each). */
  idKeyDigests?: readonly Uint8Array[];
  /** Allowed AUTHOR_KEY_DIGESTs (48 bytes each). */
  authorKeyDigests?: readonly Uint8Array[];
  /** Minimum firmware CURRENT_MAJOR.CURRENT_MINOR, and CURRENT_BUILD when given (compared in that order). */
  minFirmware?: { major: number; minor: number; build?: number };
  /** Minimum GUEST_SVN. */
  minGuestSvn?: number;
  /** Allowed product lines; undefined: any. */
  products?: readonly Product[];
  /** Allowed signing keys. */
  signingKeys: ReadonlyArray<'VCEK' | 'VLEK'>;
  /** How the AMD CRL is obtained (verify.ts). */
  crl: CrlPolicy;
}

/**
 * The safe default: DEBUG and MIGRATE_MA forbidden, SMT allowed, any MEASUREMENT (reported as such),
 * VCEK or VLEK, CRL checked when given. Deployments add measurements and REPORT_DATA.
 */
export const defaultSnpPolicy: Readonly<SnpPolicy> = Object.freeze<SnpPolicy>({
  measurements: [],
  minTcb: {},
  allowDebug: false,
  allowMigrateMA: false,
  allowSmt: true,
  signingKeys: ['VCEK', 'VLEK'],
  crl: 'if-given',
});

export interface ValidateContext {
  /** Product line of the verified chain; decides the TCB layout. */
  product: Product;
  /** Kind of key that signed (from verify). */
  signingKey: 'VCEK' | 'VLEK';
}

function pass(id: string, field: string, detail: string, got?: string): Check {
  return got === undefined ? { id, passed: true, detail, field } : { id, passed: true, detail, field, got };
}
function fail(id: string, field: string, detail: string, got: string, want: string): Check {
  return { id, passed: false, detail, field, got, want };
}

function exact(id: string, field: string, got: Uint8Array, want: Uint8Array): Check {
  return bytesEqual(got, want)
    ? pass(id, field, `${field} equals the expected value`, toHex(got))
    : fail(id, field, `${field} is not the expected value: got ${toHex(got)}, want ${toHex(want)}`, toHex(got), toHex(want));
}

function oneOf(id: string, field: string, got: Uint8Array, allowed: readonly Uint8Array[]): Check {
  const want = allowed.map(toHex).join(' | ');
  return allowed.some((a) => bytesEqual(a, got))
    ? pass(id, field, `${field} is on the allowed list`, toHex(got))
    : fail(id, field, `${field} ${toHex(got)} is not on the allowed list (${allowed.length} entries)`, toHex(got), want);
}

function forbidden(id: string, field: string, set: boolean, allowed: boolean, meaning: string): Check {
  if (!set) return pass(id, field, `${field} is 0`, '0');
  if (allowed) return pass(id, field, `${field} is 1 (${meaning}); the policy allows it`, '1');
  return fail(id, field, `${field} is 1: ${meaning}; the policy forbids it`, '1', '0');
}

const TCB_PARTS: ReadonlyArray<[keyof TcbParts, string]> = [
  ['bl', 'BOOT_LOADER'],
  ['tee', 'TEE'],
  ['snp', 'SNP'],
  ['ucode', 'MICROCODE'],
  ['fmc', 'FMC'],
];

function higherMinimum(a: TcbMinimum | undefined, b: TcbMinimum): TcbMinimum {
  const out: TcbMinimum = { ...(a ?? {}) };
  for (const [k] of TCB_PARTS) {
    const v = b[k];
    if (v !== undefined) out[k] = Math.max(v, out[k] ?? 0);
  }
  return out;
}

/** Runs every policy check on a verified report. Never throws for a failed check. */
export function validateReport(r: SnpReport, ctx: ValidateContext, policy: SnpPolicy): Check[] {
  const checks: Check[] = [];

  // MEASUREMENT
  if (policy.measurements.length === 0) {
    checks.push(pass('snp.policy.MEASUREMENT', 'MEASUREMENT', `no trusted MEASUREMENT list is configured: any launch measurement is accepted (this one is ${toHex(r.MEASUREMENT)})`, toHex(r.MEASUREMENT)));
  } else {
    checks.push(oneOf('snp.policy.MEASUREMENT', 'MEASUREMENT', r.MEASUREMENT, policy.measurements));
  }

  // minimum TCB per component (REPORTED_TCB: the general minimum and this product line's, the higher per part)
  const minTcb: Partial<Record<TcbField, TcbMinimum>> = { ...policy.minTcb };
  const forProduct = policy.minTcbByProduct?.[ctx.product];
  if (forProduct) minTcb.REPORTED_TCB = higherMinimum(minTcb.REPORTED_TCB, forProduct);
  const tcbFields = Object.entries(minTcb) as Array<[TcbField, TcbMinimum | undefined]>;
  const anyMin = tcbFields.some(([, m]) => m && Object.values(m).some((v) => v !== undefined));
  if (!anyMin) {
    checks.push(pass('snp.policy.REPORTED_TCB', 'REPORTED_TCB', `no minimum TCB is configured for ${ctx.product} (REPORTED_TCB is ${tcbHex(r.REPORTED_TCB)})`, tcbHex(r.REPORTED_TCB)));
  }
  for (const [field, min] of tcbFields) {
    if (!min) continue;
    const parts = decodeTcb(r[field], ctx.product);
    for (const [part, amd] of TCB_PARTS) {
      const want = min[part];
      if (want === undefined) continue;
      const id = `snp.policy.${field}.${amd}`;
      const f = `${field}.${amd}`;
      const got = parts[part];
      if (got === undefined) {
        checks.push(pass(id, f, `${ctx.product} has no ${amd} component in its TCB_VERSION; the minimum ${want} does not apply`));
      } else if (got < want) {
        checks.push(fail(id, f, `${f} is ${got}, below the minimum ${want} (${field} ${tcbHex(r[field])})`, String(got), `>= ${want}`));
      } else {
        checks.push(pass(id, f, `${f} ${got} meets the minimum ${want}`, String(got)));
      }
    }
  }

  // POLICY bits
  checks.push(forbidden('snp.policy.DEBUG', 'POLICY.DEBUG', r.POLICY.DEBUG, policy.allowDebug, 'the host may debug the guest, reading and changing its memory'));
  checks.push(forbidden('snp.policy.MIGRATE_MA', 'POLICY.MIGRATE_MA', r.POLICY.MIGRATE_MA, policy.allowMigrateMA, 'a migration agent may be associated with the guest'));
  checks.push(
    forbidden(
      'snp.policy.SMT',
      'POLICY.SMT',
      r.POLICY.SMT,
      policy.allowSmt,
      `the guest may run with SMT; PLATFORM_INFO.SMT_EN is ${r.PLATFORM_INFO.SMT_EN ? 1 : 0}`,
    ),
  );

  if (policy.minAbi) {
    const { major, minor } = policy.minAbi;
    const got = `${r.POLICY.ABI_MAJOR}.${r.POLICY.ABI_MINOR}`;
    const ok = r.POLICY.ABI_MAJOR > major || (r.POLICY.ABI_MAJOR === major && r.POLICY.ABI_MINOR >= minor);
    checks.push(
      ok
        ? pass('snp.policy.ABI', 'POLICY.ABI_MAJOR.ABI_MINOR', `POLICY.ABI_MAJOR.ABI_MINOR ${got} meets the minimum ${major}.${minor}`, got)
        : fail('snp.policy.ABI', 'POLICY.ABI_MAJOR.ABI_MINOR', `POLICY.ABI_MAJOR.ABI_MINOR ${got} is below the minimum ${major}.${minor}`, got, `>= ${major}.${minor}`),
    );
  }

  // VMPL
  if (policy.vmpls || policy.maxVmpl !== undefined) {
    const okSet = !policy.vmpls || policy.vmpls.includes(r.VMPL);
    const okMax = policy.maxVmpl === undefined || r.VMPL <= policy.maxVmpl;
    const want = [policy.vmpls ? `one of ${policy.vmpls.join(', ')}` : '', policy.maxVmpl !== undefined ? `<= ${policy.maxVmpl}` : ''].filter(Boolean).join(' and ');
    checks.push(
      okSet && okMax
        ? pass('snp.policy.VMPL', 'VMPL', `VMPL ${r.VMPL} is allowed (${want})`, String(r.VMPL))
        : fail('snp.policy.VMPL', 'VMPL', `VMPL ${r.VMPL} is not allowed (want ${want})`, String(r.VMPL), want),
    );
  }

  if (policy.reportData) checks.push(exact('snp.policy.REPORT_DATA', 'REPORT_DATA', r.REPORT_DATA, policy.reportData));
  if (policy.chipIds) checks.push(oneOf('snp.policy.CHIP_ID', 'CHIP_ID', r.CHIP_ID, policy.chipIds));
  if (policy.hostData) checks.push(exact('snp.policy.HOST_DATA', 'HOST_DATA', r.HOST_DATA, policy.hostData));
  if (policy.idKeyDigests) checks.push(oneOf('snp.policy.ID_KEY_DIGEST', 'ID_KEY_DIGEST', r.ID_KEY_DIGEST, policy.idKeyDigests));
  if (policy.authorKeyDigests) checks.push(oneOf('snp.policy.AUTHOR_KEY_DIGEST', 'AUTHOR_KEY_DIGEST', r.AUTHOR_KEY_DIGEST, policy.authorKeyDigests));

  if (policy.minFirmware) {
    const { major, minor, build } = policy.minFirmware;
    const got = `${r.CURRENT_MAJOR}.${r.CURRENT_MINOR} build ${r.CURRENT_BUILD}`;
    const want = `>= ${major}.${minor}${build !== undefined ? ` build ${build}` : ''}`;
    const cmp =
      r.CURRENT_MAJOR !== major ? r.CURRENT_MAJOR - major : r.CURRENT_MINOR !== minor ? r.CURRENT_MINOR - minor : build === undefined ? 0 : r.CURRENT_BUILD - build;
    const field = 'CURRENT_MAJOR.CURRENT_MINOR/CURRENT_BUILD';
    checks.push(
      cmp >= 0
        ? pass('snp.policy.FIRMWARE', field, `firmware CURRENT_MAJOR.CURRENT_MINOR/CURRENT_BUILD ${got} meets the minimum (${want})`, got)
        : fail('snp.policy.FIRMWARE', field, `firmware CURRENT_MAJOR.CURRENT_MINOR/CURRENT_BUILD ${got} is older than the minimum (${want})`, got, want),
    );
  }

  if (policy.minGuestSvn !== undefined) {
    checks.push(
      r.GUEST_SVN >= policy.minGuestSvn
        ? pass('snp.policy.GUEST_SVN', 'GUEST_SVN', `GUEST_SVN ${r.GUEST_SVN} meets the minimum ${policy.minGuestSvn}`, String(r.GUEST_SVN))
        : fail('snp.policy.GUEST_SVN', 'GUEST_SVN', `GUEST_SVN ${r.GUEST_SVN} is below the minimum ${policy.minGuestSvn}`, String(r.GUEST_SVN), `>= ${policy.minGuestSvn}`),
    );
  }

  if (policy.products) {
    checks.push(
      policy.products.includes(ctx.product)
        ? pass('snp.policy.PRODUCT', 'product', `product ${ctx.product} is allowed`, ctx.product)
        : fail('snp.policy.PRODUCT', 'product', `product ${ctx.product} is not allowed (want ${policy.products.join(', ')})`, ctx.product, policy.products.join(' | ')),
    );
  }

  checks.push(
    policy.signingKeys.includes(ctx.signingKey)
      ? pass('snp.policy.SIGNING_KEY', 'SIGNER_INFO.SIGNING_KEY', `signing key ${ctx.signingKey} is allowed`, ctx.signingKey)
      : fail('snp.policy.SIGNING_KEY', 'SIGNER_INFO.SIGNING_KEY', `signing key ${ctx.signingKey} is not allowed (want ${policy.signingKeys.join(', ')})`, ctx.signingKey, policy.signingKeys.join(' | ')),
  );

  return checks;
}

/** `0x`-hex of a POLICY value, for messages and claims. */
export function policyHex(r: SnpReport): string {
  return hexInt(r.POLICY.raw, 8);
}
