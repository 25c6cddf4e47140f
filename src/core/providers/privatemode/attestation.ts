/**
 * Contrast's coordinator attestation, as Privatemode relays it (POST /privatemode/v1/attest
 * {"Nonce": base64} → {"AttestationDoc": base64}): parse, then what REPORT_DATA must be.
 *
 * AttestationDoc is Contrast's AttestationResponse JSON: `version`, `raw_attestation_doc`,
 * `attestation_type` (an OID as a list of integers), and the coordinator state — `manifests`
 * (history, oldest first), `policies`, `root_ca` and `mesh_ca` (PEM) — every byte string base64, as
 * Go marshals []byte. For SEV-SNP the raw document is go-sev-guest's `sevsnp.Attestation` protobuf
 * (report as structured fields, certificate chain, product), which we turn back into the 1184-byte
 * report AMD signed (go-sev-guest's ReportToAbiBytes: every reserved byte zero), so the existing
 * verifier checks it. Protobuf decoding is @bufbuild/protobuf's wire reader.
 *
 * REPORT_DATA = SHA-256(nonce ‖ transition digest ‖ SHA-256(root CA) ‖ SHA-256(mesh CA)), zero-padded
 * to 64 bytes, where the transition digest chains the manifest history: t_0 = 0^32,
 * t_i = SHA-256(SHA-256(manifest_i) ‖ t_{i-1}). Contrast pins this layout with a golden value
 * (apitypes/reportdata_test.go), which tests/core/providers/privatemode.test.ts repeats.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { ParseError } from '../../errors.ts';
import { concatBytes, fromBase64, sha256 } from '../../bytes.ts';
import { OFFSET, REPORT_SIZE, SIGNATURE_OFFSET, type Product } from '../../attest/sevsnp/abi.ts';

export interface CoordinatorState {
  manifests: Uint8Array[];
  policies: Uint8Array[];
  /** PEM, as bytes: REPORT_DATA hashes these exact bytes. */
  rootCa: Uint8Array;
  meshCa: Uint8Array;
}

export interface SnpAttestation {
  /** The report as AMD signed it. */
  report: Uint8Array;
  vcek: Uint8Array | null;
  vlek: Uint8Array | null;
  ask: Uint8Array | null;
  ark: Uint8Array | null;
  /** AMD's CRL, when the coordinator's issuer fetched it (CertificateChain.extras). */
  crl: Uint8Array | null;
  product: Product | null;
}

export interface ContrastAttestation extends CoordinatorState {
  version: string;
  attestationType: string | null;
  snp: SnpAttestation;
}

/** Contrast's OID for a raw SEV-SNP report attestation (internal/oid.RawSNPReport). */
export const RAW_SNP_REPORT_OID = '1.3.9901.2.1';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function b64(v: unknown, field: string): Uint8Array {
  if (typeof v !== 'string') throw new ParseError(field, 'missing (want base64)');
  return fromBase64(v, field);
}

const PRODUCTS: Record<number, Product> = { 1: 'Milan', 2: 'Genoa', 3: 'Turin' };

function u64(v: bigint | string): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** sevsnp.Report (go-sev-guest proto/sevsnp.proto) → the ABI bytes. */
function reportFromProto(buf: Uint8Array): Uint8Array {
  const r = new BinaryReader(buf);
  const out = new Uint8Array(REPORT_SIZE);
  const dv = new DataView(out.buffer);
  const bytes = (off: number, len: number, b: Uint8Array, name: string) => {
    if (b.length !== len) throw new ParseError(`raw_attestation_doc.report.${name}`, `${b.length} bytes, want ${len}`);
    out.set(b, off);
  };
  const byte = (off: number, v: number, name: string) => {
    if (v > 0xff) throw new ParseError(`raw_attestation_doc.report.${name}`, `got ${v}, want one byte`);
    out[off] = v;
  };
  let version = 0;
  let fms: number | null = null;
  let signature: Uint8Array | null = null;
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    switch (no) {
      case 1: version = r.uint32(); dv.setUint32(OFFSET.VERSION, version, true); break;
      case 2: dv.setUint32(OFFSET.GUEST_SVN, r.uint32(), true); break;
      case 3: dv.setBigUint64(OFFSET.POLICY, u64(r.uint64()), true); break;
      case 4: bytes(OFFSET.FAMILY_ID, 16, r.bytes(), 'family_id'); break;
      case 5: bytes(OFFSET.IMAGE_ID, 16, r.bytes(), 'image_id'); break;
      case 6: dv.setUint32(OFFSET.VMPL, r.uint32(), true); break;
      case 7: dv.setUint32(OFFSET.SIGNATURE_ALGO, r.uint32(), true); break;
      case 8: dv.setBigUint64(OFFSET.CURRENT_TCB, u64(r.uint64()), true); break;
      case 9: dv.setBigUint64(OFFSET.PLATFORM_INFO, u64(r.uint64()), true); break;
      case 10: dv.setUint32(OFFSET.SIGNER_INFO, r.uint32(), true); break;
      case 11: bytes(OFFSET.REPORT_DATA, 64, r.bytes(), 'report_data'); break;
      case 12: bytes(OFFSET.MEASUREMENT, 48, r.bytes(), 'measurement'); break;
      case 13: bytes(OFFSET.HOST_DATA, 32, r.bytes(), 'host_data'); break;
      case 14: bytes(OFFSET.ID_KEY_DIGEST, 48, r.bytes(), 'id_key_digest'); break;
      case 15: bytes(OFFSET.AUTHOR_KEY_DIGEST, 48, r.bytes(), 'author_key_digest'); break;
      case 16: bytes(OFFSET.REPORT_ID, 32, r.bytes(), 'report_id'); break;
      case 17: bytes(OFFSET.REPORT_ID_MA, 32, r.bytes(), 'report_id_ma'); break;
      case 18: dv.setBigUint64(OFFSET.REPORTED_TCB, u64(r.uint64()), true); break;
      case 19: bytes(OFFSET.CHIP_ID, 64, r.bytes(), 'chip_id'); break;
      case 20: dv.setBigUint64(OFFSET.COMMITTED_TCB, u64(r.uint64()), true); break;
      case 21: byte(OFFSET.CURRENT_BUILD, r.uint32(), 'current_build'); break;
      case 22: byte(OFFSET.CURRENT_MINOR, r.uint32(), 'current_minor'); break;
      case 23: byte(OFFSET.CURRENT_MAJOR, r.uint32(), 'current_major'); break;
      case 24: byte(OFFSET.COMMITTED_BUILD, r.uint32(), 'committed_build'); break;
      case 25: byte(OFFSET.COMMITTED_MINOR, r.uint32(), 'committed_minor'); break;
      case 26: byte(OFFSET.COMMITTED_MAJOR, r.uint32(), 'committed_major'); break;
      case 27: dv.setBigUint64(OFFSET.LAUNCH_TCB, u64(r.uint64()), true); break;
      case 28: signature = r.bytes(); break;
      case 29: fms = r.uint32(); break;
      case 30: dv.setBigUint64(0x1f8, u64(r.uint64()), true); break;
      case 31: dv.setBigUint64(0x200, u64(r.uint64()), true); break;
      default: r.skip(wt, no);
    }
  }
  if (version < 2) throw new ParseError('raw_attestation_doc.report.version', `got ${version}, want 2 or later`);
  if (version >= 3 && fms !== null) {
    // cpuid(1).eax & 0x0fff0fff → family (base + extended), model (extended ‖ base), stepping.
    const family = ((fms >> 8) & 0xf) + ((fms >> 20) & 0xff);
    const model = (((fms >> 16) & 0xf) << 4) | ((fms >> 4) & 0xf);
    out[OFFSET.CPUID_FAM_ID] = family;
    out[OFFSET.CPUID_MOD_ID] = model;
    out[OFFSET.CPUID_STEP] = fms & 0xf;
  }
  if (!signature || signature.length !== REPORT_SIZE - SIGNATURE_OFFSET) {
    throw new ParseError('raw_attestation_doc.report.signature', `${signature?.length ?? 0} bytes, want ${REPORT_SIZE - SIGNATURE_OFFSET}`);
  }
  out.set(signature, SIGNATURE_OFFSET);
  return out;
}

function chainFromProto(buf: Uint8Array): Pick<SnpAttestation, 'vcek' | 'vlek' | 'ask' | 'ark' | 'crl'> {
  const r = new BinaryReader(buf);
  const out: Pick<SnpAttestation, 'vcek' | 'vlek' | 'ask' | 'ark' | 'crl'> = { vcek: null, vlek: null, ask: null, ark: null, crl: null };
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1) out.vcek = r.bytes();
    else if (no === 6) out.vlek = r.bytes();
    else if (no === 2) out.ask = r.bytes();
    else if (no === 3) out.ark = r.bytes();
    else if (no === 7) {
      // map<string, bytes> extras: each entry a message {1: key, 2: value}
      const e = new BinaryReader(r.bytes());
      let key = '';
      let value: Uint8Array | null = null;
      while (e.pos < e.len) {
        const [k, w] = e.tag();
        if (k === 1) key = e.string();
        else if (k === 2) value = e.bytes();
        else e.skip(w, k);
      }
      if (/crl/i.test(key) && value) out.crl = value;
    } else r.skip(wt, no);
  }
  return out;
}

function productFromProto(buf: Uint8Array): Product | null {
  const r = new BinaryReader(buf);
  let name = 0;
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1) name = r.int32();
    else r.skip(wt, no);
  }
  return PRODUCTS[name] ?? null;
}

/** go-sev-guest's sevsnp.Attestation protobuf → report bytes, certificates, product. */
export function parseSnpAttestation(buf: Uint8Array): SnpAttestation {
  try {
    const r = new BinaryReader(buf);
    let report: Uint8Array | null = null;
    let chain: Pick<SnpAttestation, 'vcek' | 'vlek' | 'ask' | 'ark' | 'crl'> = { vcek: null, vlek: null, ask: null, ark: null, crl: null };
    let product: Product | null = null;
    while (r.pos < r.len) {
      const [no, wt] = r.tag();
      if (no === 1 && wt === WireType.LengthDelimited) report = reportFromProto(r.bytes());
      else if (no === 2 && wt === WireType.LengthDelimited) chain = chainFromProto(r.bytes());
      else if (no === 3 && wt === WireType.LengthDelimited) product = productFromProto(r.bytes());
      else r.skip(wt, no);
    }
    if (!report) throw new ParseError('raw_attestation_doc.report', 'missing');
    return { report, ...chain, product };
  } catch (e) {
    if (e instanceof ParseError) throw e;
    throw new ParseError('raw_attestation_doc', `is not a SEV-SNP attestation protobuf (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The AttestationDoc bytes (JSON) → the parsed attestation. Throws ParseError naming the field. */
export function parseContrastAttestation(doc: Uint8Array): ContrastAttestation {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(doc));
  } catch {
    throw new ParseError('AttestationDoc', 'is not UTF-8 JSON');
  }
  if (!isObj(v)) throw new ParseError('AttestationDoc', 'want a JSON object');
  const list = (k: string) => {
    const x = v[k];
    if (x === null || x === undefined) return [];
    if (!Array.isArray(x)) throw new ParseError(k, 'want a list of base64 strings');
    return x.map((e, i) => b64(e, `${k}[${i}]`));
  };
  const manifests = list('manifests');
  if (manifests.length === 0) throw new ParseError('manifests', 'empty: the coordinator has no manifest set');
  let attestationType: string | null = null;
  if (Array.isArray(v.attestation_type)) {
    if (!v.attestation_type.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) throw new ParseError('attestation_type', 'want an OID as a list of integers');
    attestationType = v.attestation_type.join('.');
  }
  if (attestationType !== null && attestationType !== RAW_SNP_REPORT_OID) {
    throw new ParseError('attestation_type', `got ${attestationType}, want ${RAW_SNP_REPORT_OID} (SEV-SNP): this version verifies SEV-SNP coordinators only`);
  }
  return {
    version: typeof v.version === 'string' ? v.version : '',
    attestationType,
    snp: parseSnpAttestation(b64(v.raw_attestation_doc, 'raw_attestation_doc')),
    manifests,
    policies: list('policies'),
    rootCa: b64(v.root_ca, 'root_ca'),
    meshCa: b64(v.mesh_ca, 'mesh_ca'),
  };
}

/** The digest of the latest transition of a manifest history (Contrast's history.Transition chain). */
export async function transitionDigest(manifests: readonly Uint8Array[]): Promise<Uint8Array> {
  let last: Uint8Array = new Uint8Array(32);
  for (const m of manifests) last = await sha256(concatBytes([await sha256(m), last]));
  return last;
}

/** Contrast's ConstructReportData for the unversioned /attest endpoint (no capabilities digest). */
export async function contrastReportData(nonce: Uint8Array, transition: Uint8Array, rootCa: Uint8Array, meshCa: Uint8Array): Promise<Uint8Array> {
  const h = await sha256(concatBytes([nonce, transition, await sha256(rootCa), await sha256(meshCa)]));
  const out = new Uint8Array(64);
  out.set(h);
  return out;
}
