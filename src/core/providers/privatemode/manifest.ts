/**
 * The part of a Contrast deployment manifest (Privatemode publishes it at
 * cdn.confidential.cloud/privatemode/v2/manifest.json) that the browser checks a coordinator
 * against: which policy hashes are the coordinator's (its HOST_DATA), and the SEV-SNP reference
 * values. Field names are Contrast's (internal/manifest); parsing fails with the field named.
 *
 * The manifest is not signed by anyone: it is trusted by pinning its exact bytes (SHA-256), on
 * first use or by value, and the attestation proves the coordinator runs with these bytes.
 */
import { ParseError } from '../../errors.ts';
import { fromHex } from '../../bytes.ts';
import type { Product } from '../../attest/sevsnp/abi.ts';

export interface ContrastGuestPolicy {
  ABIMinor: number;
  ABIMajor: number;
  SMT: boolean;
  MigrateMA: boolean;
  Debug: boolean;
  SingleSocket: boolean;
  CXLAllowed: boolean;
  MemAES256XTS: boolean;
  RAPLDis: boolean;
  CipherTextHidingDRAM: boolean;
  PageSwapDisable: boolean;
}

export interface ContrastPlatformInfo {
  SMTEnabled: boolean;
  TSMEEnabled: boolean;
  ECCEnabled: boolean;
  RAPLDisabled: boolean;
  CiphertextHidingDRAMEnabled: boolean;
  AliasCheckComplete: boolean;
  TIOEnabled: boolean;
}

export interface SnpReferenceValue {
  product: Product;
  /** The launch digest for one vCPU when `apEip` is set (extended per vCPU count), else the exact MEASUREMENT. */
  trustedMeasurement: Uint8Array;
  /** The SEV-ES AP reset EIP from OVMF (4 bytes, little-endian in the manifest), when the measurement is a 1-vCPU seed. */
  apEip: number | null;
  minimumTcb: { bl: number; tee: number; snp: number; ucode: number };
  guestPolicy: ContrastGuestPolicy;
  platformInfo: ContrastPlatformInfo;
  minimumMitigationVector: bigint;
  /** Allowed CHIP_IDs; empty means any. */
  allowedChipIds: Uint8Array[];
}

export interface PrivatemodeManifest {
  /** HOST_DATA values (policy hashes, lower-case hex) whose role is the coordinator. */
  coordinatorPolicyHashes: string[];
  snp: SnpReferenceValue[];
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function bool(o: Obj, k: string, field: string): boolean {
  const v = o[k];
  if (v === undefined) return false; // Go's zero value: an absent flag is false
  if (typeof v !== 'boolean') throw new ParseError(`${field}.${k}`, `got ${JSON.stringify(v)}, want true or false`);
  return v;
}

function svn(o: Obj, k: string, field: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) throw new ParseError(`${field}.${k}`, `got ${JSON.stringify(v)}, want 0..255`);
  return v;
}

function hex(v: unknown, field: string, bytes?: number): Uint8Array {
  if (typeof v !== 'string') throw new ParseError(field, `got ${JSON.stringify(v)}, want hex`);
  return fromHex(v.toLowerCase(), field, bytes);
}

function guestPolicy(v: unknown, field: string): ContrastGuestPolicy {
  if (!isObj(v)) throw new ParseError(field, 'missing');
  const abi = (k: string) => (v[k] === undefined ? 0 : svn(v, k, field));
  return {
    ABIMinor: abi('ABIMinor'),
    ABIMajor: abi('ABIMajor'),
    SMT: bool(v, 'SMT', field),
    MigrateMA: bool(v, 'MigrateMA', field),
    Debug: bool(v, 'Debug', field),
    SingleSocket: bool(v, 'SingleSocket', field),
    CXLAllowed: bool(v, 'CXLAllowed', field),
    MemAES256XTS: bool(v, 'MemAES256XTS', field),
    RAPLDis: bool(v, 'RAPLDis', field),
    CipherTextHidingDRAM: bool(v, 'CipherTextHidingDRAM', field),
    PageSwapDisable: bool(v, 'PageSwapDisable', field),
  };
}

function platformInfo(v: unknown, field: string): ContrastPlatformInfo {
  if (!isObj(v)) throw new ParseError(field, 'missing');
  return {
    SMTEnabled: bool(v, 'SMTEnabled', field),
    TSMEEnabled: bool(v, 'TSMEEnabled', field),
    ECCEnabled: bool(v, 'ECCEnabled', field),
    RAPLDisabled: bool(v, 'RAPLDisabled', field),
    CiphertextHidingDRAMEnabled: bool(v, 'CiphertextHidingDRAMEnabled', field),
    AliasCheckComplete: bool(v, 'AliasCheckComplete', field),
    TIOEnabled: bool(v, 'TIOEnabled', field),
  };
}

function referenceValue(v: unknown, field: string): SnpReferenceValue | null {
  if (!isObj(v)) throw new ParseError(field, 'want an object');
  // Contrast marks reference values for insecure platforms (development runtimes); they never count.
  if (typeof v.Platform === 'string' && /insecure/i.test(v.Platform)) return null;
  if (v.ProductName !== 'Milan' && v.ProductName !== 'Genoa' && v.ProductName !== 'Turin') {
    throw new ParseError(`${field}.ProductName`, `got ${JSON.stringify(v.ProductName)}, want Milan, Genoa or Turin`);
  }
  const tcb = v.MinimumTCB;
  if (!isObj(tcb)) throw new ParseError(`${field}.MinimumTCB`, 'missing');
  let apEip: number | null = null;
  if (v.APEIP !== undefined && v.APEIP !== '') {
    const b = hex(v.APEIP, `${field}.APEIP`, 4);
    apEip = new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }
  const mmv = v.MinimumMitigationVector ?? 0;
  if (typeof mmv !== 'number' || !Number.isSafeInteger(mmv) || mmv < 0) throw new ParseError(`${field}.MinimumMitigationVector`, `got ${JSON.stringify(mmv)}, want a non-negative integer`);
  const chips = v.AllowedChipIDs ?? [];
  if (!Array.isArray(chips)) throw new ParseError(`${field}.AllowedChipIDs`, 'want a list of hex strings');
  return {
    product: v.ProductName,
    trustedMeasurement: hex(v.TrustedMeasurement, `${field}.TrustedMeasurement`, 48),
    apEip,
    minimumTcb: {
      bl: svn(tcb, 'BootloaderVersion', `${field}.MinimumTCB`),
      tee: svn(tcb, 'TEEVersion', `${field}.MinimumTCB`),
      snp: svn(tcb, 'SNPVersion', `${field}.MinimumTCB`),
      ucode: svn(tcb, 'MicrocodeVersion', `${field}.MinimumTCB`),
    },
    guestPolicy: guestPolicy(v.GuestPolicy, `${field}.GuestPolicy`),
    platformInfo: platformInfo(v.PlatformInfo, `${field}.PlatformInfo`),
    minimumMitigationVector: BigInt(mmv),
    allowedChipIds: chips.map((c, i) => hex(c, `${field}.AllowedChipIDs[${i}]`, 64)),
  };
}

/** Parses the manifest's bytes (UTF-8 JSON). */
export function parseManifest(bytes: Uint8Array): PrivatemodeManifest {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ParseError('manifest', 'is not UTF-8 JSON');
  }
  if (!isObj(v)) throw new ParseError('manifest', 'want a JSON object');
  if (!isObj(v.Policies)) throw new ParseError('manifest.Policies', 'missing');
  const coordinatorPolicyHashes: string[] = [];
  for (const [hash, entry] of Object.entries(v.Policies)) {
    if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new ParseError(`manifest.Policies[${JSON.stringify(hash).slice(0, 20)}]`, 'a policy hash is 64 hex digits');
    if (isObj(entry) && entry.Role === 'coordinator') coordinatorPolicyHashes.push(hash.toLowerCase());
  }
  if (coordinatorPolicyHashes.length === 0) throw new ParseError('manifest.Policies', 'no policy has the role "coordinator"');
  const rv = v.ReferenceValues;
  if (!isObj(rv)) throw new ParseError('manifest.ReferenceValues', 'missing');
  const list = rv.snp ?? [];
  if (!Array.isArray(list)) throw new ParseError('manifest.ReferenceValues.snp', 'want a list');
  const snp = list.map((r, i) => referenceValue(r, `manifest.ReferenceValues.snp[${i}]`)).filter((r): r is SnpReferenceValue => r !== null);
  if (snp.length === 0) throw new ParseError('manifest.ReferenceValues.snp', 'no SEV-SNP reference values: this version verifies AMD SEV-SNP coordinators only');
  return { coordinatorPolicyHashes, snp };
}

/** go-sev-guest's SnpPolicyToBytes: the POLICY value a guest launched with this policy reports. */
export function policyBits(p: ContrastGuestPolicy): bigint {
  let r = BigInt(p.ABIMinor) | (BigInt(p.ABIMajor) << 8n) | (1n << 17n);
  const set = (on: boolean, bit: bigint) => {
    if (on) r |= 1n << bit;
  };
  set(p.SMT, 16n);
  set(p.MigrateMA, 18n);
  set(p.Debug, 19n);
  set(p.SingleSocket, 20n);
  set(p.CXLAllowed, 21n);
  set(p.MemAES256XTS, 22n);
  set(p.RAPLDis, 23n);
  set(p.CipherTextHidingDRAM, 24n);
  set(p.PageSwapDisable, 25n);
  return r;
}
