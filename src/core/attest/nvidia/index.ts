/**
 * NVIDIA H100 (Hopper, confidential-computing mode) GPU attestation, verified locally.
 *
 *   spdm.ts      bytes → typed SPDM 1.1 evidence (no signatures, no policy)
 *   verify.ts    device chain to the pinned NVIDIA root, report signature, FWID binding
 *   rim.ts       RIM XML signature (C14N 1.1, ECDSA P-384) and measurement entries
 *   nras.ts      NVIDIA attestation-service tokens (ES384 JWS, pinned intermediate)
 *   validate.ts  nonce, versions, measurements against RIMs, appraisal policy
 *   policy.ts    GpuPolicy (data) and the default trust anchors
 *
 * `verifyGpu` runs them all and returns every check. It throws only ParseError (the report or
 * the certificate chain cannot be read at all, or the policy's own roots are malformed) and
 * ConfidantError E_ABORTED; RIMs and NRAS tokens that cannot be read become failed checks.
 */
import { ConfidantError, ParseError } from '../../errors.ts';
import type { AttestOptions, Check } from '../types.ts';
import { toHex } from '../../bytes.ts';
import { type Cert, parsePemCerts } from './certs.ts';
import { type NrasEat, checkNrasClaims, parseNrasToken, verifyNrasSignatures } from './nras.ts';
import { type GpuPolicy, defaultGpuPolicy } from './policy.ts';
import { type Rim, parseRim, verifyRim } from './rim.ts';
import { type FeatureMode, STATUS_ENABLED, type SpdmEvidence, parseSpdmEvidence } from './spdm.ts';
import { type AppraisedRim, checkAppraisal, checkMeasurements, checkNonce, checkRimVersion, checkVersion } from './validate.ts';
import { leafDeviceId, serialToDecimal, verifyGpuReport } from './verify.ts';

export { defaultGpuPolicy, parseGpuPolicy, compareVersions, NRAS_INTERMEDIATE_004_SHA256 } from './policy.ts';
export type { GpuPolicy, MeasurementAppraisal, VersionRule } from './policy.ts';
export {
  parseSpdmEvidence,
  parseOpaqueData,
  parseReportHex,
  formatVbiosVersion,
  opaqueTypeName,
  OpaqueType,
  MAX_REPORT_BYTES,
  MAX_TRAILING_ZERO_BYTES,
  REQUEST_LENGTH,
  SIGNATURE_LENGTH,
} from './spdm.ts';
export type { SpdmEvidence, SpdmRequest, SpdmResponse, MeasurementBlock, OpaqueFields, OpaqueEntry, FeatureMode } from './spdm.ts';
export { parsePemChain, parsePemCerts, parseCert } from './certs.ts';
export type { Cert } from './certs.ts';
export { parseRim, verifyRim } from './rim.ts';
export type { Rim, RimMeasurement, RimKind } from './rim.ts';
export { parseNrasToken, parseJws, verifyNrasSignatures, checkNrasClaims } from './nras.ts';
export type { NrasEat, Jws } from './nras.ts';
export { verifyGpuReport, verifyDeviceChain, verifyReportSignature, verifyFwid, leafFwid, leafDeviceId, serialToDecimal, GPU_CHAIN_LENGTH } from './verify.ts';
export { checkNonce, checkVersion, checkMeasurements, checkRimVersion, checkAppraisal } from './validate.ts';
export { NVIDIA_DEVICE_ROOT_PEM, NVIDIA_DEVICE_ROOT_DER_SHA256 } from '../roots/nvidia/device-root.ts';
export { NVIDIA_RIM_ROOT_PEM, NVIDIA_RIM_ROOT_DER_SHA256 } from '../roots/nvidia/rim-root.ts';

export interface GpuEvidenceInput {
  /** The raw SPDM GET_MEASUREMENTS request ‖ MEASUREMENTS response blob. */
  report: Uint8Array;
  /** The driver's certificate chain: 5 PEM certificates, leaf first. */
  certChainPem: string;
  /** Driver and VBIOS RIMs, XML text (their kind is told by colloquialVersion). */
  rims?: string[];
  /** NRAS result: the detached-EAT JSON text or a compact JWT, and the JWKS holding its key. */
  nras?: { token: string; jwks: unknown };
}

export interface GpuClaims {
  /** Requester nonce from the signed report, hex. */
  requesterNonce: string;
  responderNonce: string;
  driverVersion: string | null;
  /** Dotted hex upper case, e.g. 96.00.9F.00.01. */
  vbiosVersion: string | null;
  /** Opaque FWID (hex), null on older firmware. */
  fwid: string | null;
  project: string | null;
  projectSku: string | null;
  chipSku: string | null;
  /** Protected PCIe (multi-GPU) mode is on: opaque PROTECTED_PCIE_STATUS 0xAA. Null when absent. */
  ppcie: boolean | null;
  featureFlag: number | null;
  featureMode: FeatureMode | null;
  nvdec0Enabled: boolean | null;
  /** Leaf certificate serial, hex. */
  leafSerial: string | null;
  /** Leaf serial in decimal, as NRAS reports it (`ueid`). */
  ueid: string | null;
  /** From the leaf's SubjectAltName, e.g. NVIDIA:GH100:48B02D92494BADF4. */
  deviceId: string | null;
  /** RIM service ids for this report, e.g. NV_GPU_DRIVER_GH100_550.90.07, NV_GPU_VBIOS_1010_0200_882_96009F0001. */
  rimIds: { driver: string | null; vbios: string | null };
  measurementBlocks: number;
  /** Things worth telling the user that are not failures (e.g. ignored padding). */
  notes: string[];
}

export interface GpuResult {
  checks: Check[];
  claims: GpuClaims;
}

const rootCache = new Map<string, Cert[]>();
function roots(field: string, pems: readonly string[]): Cert[] {
  const out: Cert[] = [];
  for (const [i, pem] of pems.entries()) {
    let certs = rootCache.get(pem);
    if (!certs) {
      certs = parsePemCerts(`${field}[${i}]`, pem);
      if (rootCache.size < 32) rootCache.set(pem, certs);
    }
    out.push(...certs);
  }
  return out;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ConfidantError('E_ABORTED', 'GPU verification was stopped.');
}

/** A JSON copy of untrusted structured input (functions, getters and cycles cannot survive it). */
function jsonCopy(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v ?? null)) as unknown;
  } catch {
    return null;
  }
}

function chipName(deviceId: string | null): string {
  const m = deviceId ? /^NVIDIA:([A-Z0-9]+):/.exec(deviceId) : null;
  return m ? m[1]! : 'GH100';
}

export function gpuClaims(ev: SpdmEvidence, leaf: Cert | undefined): GpuClaims {
  const o = ev.response.opaque;
  const deviceId = leaf ? leafDeviceId(leaf) : null;
  const chip = chipName(deviceId);
  return {
    requesterNonce: toHex(ev.request.nonce),
    responderNonce: toHex(ev.response.responderNonce),
    driverVersion: o.driverVersion,
    vbiosVersion: o.vbiosVersion,
    fwid: o.fwid,
    project: o.project,
    projectSku: o.projectSku,
    chipSku: o.chipSku,
    ppcie: o.protectedPcieStatus === null ? null : o.protectedPcieStatus === STATUS_ENABLED,
    featureFlag: o.featureFlag,
    featureMode: o.featureMode,
    nvdec0Enabled: o.nvdec0Status === null ? null : o.nvdec0Status === STATUS_ENABLED,
    leafSerial: leaf?.serialHex ?? null,
    ueid: leaf ? serialToDecimal(leaf.serialHex) : null,
    deviceId,
    rimIds: {
      driver: o.driverVersion ? `NV_GPU_DRIVER_${chip}_${o.driverVersion}` : null,
      vbios:
        o.vbiosVersion && o.project && o.projectSku && o.chipSku
          ? `NV_GPU_VBIOS_${o.project}_${o.projectSku}_${o.chipSku}_${o.vbiosVersion.replace(/\./g, '').toUpperCase()}`
          : null,
    },
    measurementBlocks: ev.response.blocks.length,
    notes: [...ev.notes],
  };
}

/**
 * Verifies one GPU's evidence and appraises it against `policy`. Every check runs; the result
 * is accepted only if every returned check passed.
 */
export async function verifyGpu(
  input: GpuEvidenceInput,
  policy: GpuPolicy = defaultGpuPolicy,
  opts: AttestOptions & { expectedNonce?: Uint8Array; /** `require`: no OCSP answer for the device chain is a failure. */ revocation?: 'if-available' | 'require' },
): Promise<GpuResult> {
  // Copy everything untrusted before the first await.
  if (typeof input !== 'object' || input === null) throw new ParseError('input', 'want {report, certChainPem}');
  const ev = parseSpdmEvidence(input.report, 'report');
  const certs = parsePemCerts('certChainPem', input.certChainPem);
  const rimTexts: unknown[] | null = input.rims === undefined ? [] : Array.isArray(input.rims) ? [...(input.rims as unknown[])] : null;
  const nrasIn = input.nras ? { token: input.nras.token, jwks: jsonCopy(input.nras.jwks) } : null;
  const expectedNonce = opts?.expectedNonce instanceof Uint8Array ? opts.expectedNonce.slice() : undefined;
  const now = new Date(opts?.now instanceof Date ? opts.now.getTime() : NaN);
  if (Number.isNaN(now.getTime())) throw new ParseError('opts.now', 'want a valid Date');
  const deviceRoots = roots('policy.deviceRootsPem', policy.deviceRootsPem);
  const rimRoots = roots('policy.rimRootsPem', policy.rimRootsPem);
  const leaf = certs[0];
  const claims = gpuClaims(ev, leaf);

  const checks: Check[] = [
    {
      id: 'gpu.spdm.parse',
      passed: true,
      detail: `SPDM 1.1 MEASUREMENTS: ${ev.response.blocks.length} blocks, opaque data ${ev.response.opaqueLength} bytes, signature at offset ${ev.signatureOffset}${ev.notes.length ? `; note: ${ev.notes.join('; ')}` : ''}`,
      field: 'report',
    },
  ];

  aborted(opts.signal);
  checks.push(...(await verifyGpuReport(ev, certs, { now, trustedRoots: deviceRoots, requireFwid: policy.requireFwid })));
  checks.push(checkNonce(ev, expectedNonce));
  checks.push(checkVersion('driver', ev.response.opaque.driverVersion, policy.driver));
  checks.push(checkVersion('vbios', ev.response.opaque.vbiosVersion, policy.vbios));

  // RIMs.
  const byKind: { driver?: AppraisedRim; vbios?: AppraisedRim } = {};
  if (rimTexts === null) {
    checks.push({ id: 'gpu.rim.parse', passed: false, detail: 'rims: want a list of XML texts', field: 'rims' });
  } else {
    for (const [i, text] of rimTexts.entries()) {
      aborted(opts.signal);
      let rim: Rim;
      try {
        rim = parseRim(text as string, `rims[${i}]`);
      } catch (e) {
        if (!(e instanceof ConfidantError)) throw e;
        checks.push({ id: `gpu.rim[${i}].parse`, passed: false, detail: e.message, field: `rims[${i}]` });
        continue;
      }
      if (byKind[rim.kind]) {
        checks.push({ id: `gpu.rim.${rim.kind}.count`, passed: false, detail: `rims[${i}] is a second ${rim.kind} RIM (${rim.colloquialVersion}); want one of each kind`, field: `rims[${i}]`, got: '2 or more', want: '1' });
        continue;
      }
      const rc = await verifyRim(rim, { now, trustedRoots: rimRoots, prefix: `gpu.rim.${rim.kind}` });
      checks.push(...rc);
      const appraised: AppraisedRim = { rim, trusted: rc.every((c) => c.passed) };
      byKind[rim.kind] = appraised;
      checks.push(checkRimVersion(rim.kind, appraised, rim.kind === 'driver' ? ev.response.opaque.driverVersion : ev.response.opaque.vbiosVersion));
    }
  }
  checks.push(...checkMeasurements(ev, byKind.driver, byKind.vbios));

  // NRAS.
  let nrasOcspStatus: string | null = null;
  if (nrasIn) {
    aborted(opts.signal);
    let eat: NrasEat | null = null;
    try {
      eat = parseNrasToken(nrasIn.token, 'nras.token');
    } catch (e) {
      if (!(e instanceof ConfidantError)) throw e;
      checks.push({ id: 'gpu.nras.parse', passed: false, detail: e.message, field: 'nras.token' });
    }
    if (eat) {
      const signed = await verifyNrasSignatures(eat, nrasIn.jwks, { now, intermediateSha256: policy.nras.intermediateSha256 });
      checks.push(...signed);
      // NVIDIA's service queried OCSP for this device chain; its answer counts only from a token that verified.
      if (signed.every((c) => c.passed)) nrasOcspStatus = ocspStatusOf(eat);
      checks.push(
        ...(await checkNrasClaims(eat, {
          now,
          clockSkewSeconds: policy.nras.clockSkewSeconds,
          issuer: policy.nras.issuer,
          nonceHex: expectedNonce ? toHex(expectedNonce) : null,
          ueid: claims.ueid,
          driverVersion: claims.driverVersion,
          vbiosVersion: claims.vbiosVersion,
        })),
      );
    }
  }

  checks.push(revocationCheck(nrasOcspStatus, opts.revocation ?? 'if-available'));
  checks.push(...checkAppraisal(policy, { driverRim: !!byKind.driver, vbiosRim: !!byKind.vbios, nras: !!nrasIn }, checks));
  return { checks, claims };
}

/** The device chain's OCSP status as NRAS reports it (`x-nvidia-cert-ocsp-status`), or null. */
function ocspStatusOf(eat: NrasEat): string | null {
  for (const d of eat.devices) {
    const chain = d.token.payload['x-nvidia-gpu-attestation-report-cert-chain'];
    const status = typeof chain === 'object' && chain !== null ? (chain as Record<string, unknown>)['x-nvidia-cert-ocsp-status'] : undefined;
    if (typeof status === 'string') return status;
  }
  return null;
}

/**
 * Revocation of the GPU's device certificates. The browser does not query NVIDIA's OCSP responder
 * itself; NRAS does, and says so in its signed token. Without an NRAS answer the check passes with
 * `got: "not checked"` (the details say "revocation not checked"), or fails under `require`.
 */
function revocationCheck(status: string | null, mode: 'if-available' | 'require'): Check {
  const id = 'gpu.ocsp';
  if (status === 'good') return { id, passed: true, detail: 'the device certificates are not revoked: NVIDIA’s attestation service reports OCSP status good in its signed token', got: 'good' };
  if (status === 'revoked') return { id, passed: false, detail: 'NVIDIA’s attestation service reports a device certificate as revoked (OCSP)', got: 'revoked', want: 'good' };
  const why = status === null ? 'no NVIDIA attestation service result came with this evidence, and the browser does not query OCSP itself' : `NVIDIA’s attestation service reports OCSP status ${JSON.stringify(status)}`;
  return mode === 'require'
    ? { id, passed: false, detail: `${why}; the policy requires a revocation check`, got: 'not checked', want: 'good' }
    : { id, passed: true, detail: `revocation not checked: ${why}`, got: 'not checked' };
}
