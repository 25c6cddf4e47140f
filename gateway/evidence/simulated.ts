/**
 * Simulated evidence: byte-exact v3 SNP reports and SPDM GET_MEASUREMENTS blobs signed with
 * DEVELOPMENT-ONLY keys (gateway/dev-keys, made by scripts/make-dev-roots.ts), and an
 * NRAS-style detached EAT as the GPU reference result. Bundles from it say `simulated: true`;
 * only a policy with allowSimulated trusts src/core/attest/roots/dev.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { GpuReferenceJson } from '../../src/core/attest/bundle.ts';
import { sha256, toBase64Url, toHex, utf8 } from '../../src/core/bytes.ts';
import { DEV_NRAS_ISSUER, DEV_NRAS_KID, SIM_CHIP_ID, SIM_FW, SIM_GPU, SIM_MEASUREMENT, SIM_POLICY, SIM_PRODUCT, SIM_TCB, simGpuMeasurement } from './dev-constants.ts';
import { SIGNED_LENGTH } from '../../src/core/attest/sevsnp/abi.ts';
import { buildReportV3, setSignature } from './snp-report.ts';
import { simulatedOpaque, spdmSignedPart } from './spdm.ts';
import type { EvidenceSource, GpuEvidence, SnpEvidence } from './types.ts';
import { amdName, DEV_ORG, ECDSA_SHA384, generateP384, importSigner, issue, pemChain, pemOf, RSA_PSS_SHA384, tcbInfoExtension, vcekExtensions, withZeroSerial, x509 } from './x509gen.ts';

export const DEFAULT_DEV_KEYS = join(import.meta.dirname, '..', 'dev-keys');

function read(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

async function es384(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(ECDSA_SHA384, key, data as BufferSource));
}

async function jws(key: CryptoKey, kid: string, claims: Record<string, unknown>): Promise<string> {
  const head = toBase64Url(utf8(JSON.stringify({ kid, alg: 'ES384' })));
  const body = toBase64Url(utf8(JSON.stringify(claims)));
  const sig = await es384(key, utf8(`${head}.${body}`));
  return `${head}.${body}.${toBase64Url(sig)}`;
}

export class SimulatedEvidence implements EvidenceSource {
  readonly simulated = true;
  private constructor(
    private readonly vcekKey: CryptoKey,
    private readonly vcekPem: string,
    private readonly amdChainPem: string,
    private readonly gpuLeafKey: CryptoKey,
    private readonly gpuChainPem: string,
    private readonly gpuUeid: string,
    private readonly nrasKey: CryptoKey,
    private readonly gpuCount: number,
    private readonly measurement: Uint8Array,
  ) {}

  /** Issues this run's VCEK (for the simulated chip and TCB) and GPU FMC leaf(s) from the dev CAs. */
  /** `measurement` (48 bytes): the launch MEASUREMENT the simulated reports carry (default SIM_MEASUREMENT). */
  static async create(opts: { devKeysDir?: string; gpus?: number; measurement?: Uint8Array } = {}): Promise<SimulatedEvidence> {
    if (opts.measurement && opts.measurement.length !== 48) throw new RangeError(`a launch measurement is 48 bytes, got ${opts.measurement.length}`);
    const dir = opts.devKeysDir ?? DEFAULT_DEV_KEYS;
    const ask = await importSigner(read(dir, 'amd-ask.key.pem'), read(dir, 'amd-ask.cert.pem'), 'rsa-pss');
    const ark = new x509.X509Certificate(read(dir, 'amd-ark.cert.pem'));
    const vcekKeys = await generateP384();
    const now = new Date();
    const vcekDraft = await x509.X509CertificateGenerator.create({
      serialNumber: '01',
      subject: amdName('SEV-VCEK'),
      issuer: ask.cert.subject,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date(Date.UTC(now.getUTCFullYear() + 7, 0, 1)),
      publicKey: vcekKeys.publicKey,
      signingKey: ask.privateKey,
      signingAlgorithm: RSA_PSS_SHA384,
      extensions: vcekExtensions(SIM_PRODUCT, SIM_TCB, SIM_CHIP_ID),
    });
    const vcek = await withZeroSerial(vcekDraft, ask.privateKey, RSA_PSS_SHA384);

    const brom = await importSigner(read(dir, 'nvidia-brom.key.pem'), read(dir, 'nvidia-brom.cert.pem'), 'p384');
    const upper = ['nvidia-brom', 'nvidia-provisioner', 'nvidia-identity', 'nvidia-root'].map((f) => new x509.X509Certificate(read(dir, `${f}.cert.pem`)));
    const leafKeys = await generateP384();
    const serialBytes = randomBytes(20);
    serialBytes[0] = (serialBytes[0]! & 0x7f) | 0x40;
    const serialHex = toHex(serialBytes).toUpperCase();
    const leaf = await issue({
      subject: `2.5.4.5=${serialHex}, C=US, O=${DEV_ORG}, CN=GH100 A01 GSP FMC LF`,
      publicKey: leafKeys.publicKey,
      issuer: brom.cert,
      signingKey: brom.privateKey,
      alg: ECDSA_SHA384,
      serial: serialHex,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('9999-12-31T23:59:59Z'),
      ca: false,
      extra: [await tcbInfoExtension(leafKeys.publicKey, SIM_GPU.fwid)],
    });
    const nras = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(read(dir, 'nras-signer.key.pem')), { name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign']);
    return new SimulatedEvidence(
      vcekKeys.privateKey,
      pemOf(vcek),
      pemChain([ask.cert, ark]),
      leafKeys.privateKey,
      pemChain([leaf, ...upper]),
      BigInt('0x' + serialHex).toString(10),
      nras,
      Math.max(1, opts.gpus ?? 1),
      opts.measurement ?? SIM_MEASUREMENT,
    );
  }

  async gpuEvidence(gpuNonce: Uint8Array): Promise<GpuEvidence[]> {
    const out: GpuEvidence[] = [];
    for (let g = 0; g < this.gpuCount; g++) {
      const digests = Array.from({ length: 64 }, (_, i) => simGpuMeasurement(i + 1));
      const signed = spdmSignedPart({ nonce: gpuNonce, digests, responderNonce: new Uint8Array(randomBytes(32)), opaque: simulatedOpaque(SIM_GPU) });
      const sig = await es384(this.gpuLeafKey, signed);
      const report = new Uint8Array(signed.length + 96);
      report.set(signed);
      report.set(sig, signed.length);
      out.push({ report, certChainPem: this.gpuChainPem });
    }
    return out;
  }

  /** An NRAS-style detached EAT signed by the dev NRAS key: what NRAS would say of these GPUs. */
  async gpuReference(gpus: GpuEvidence[], gpuNonce: Uint8Array): Promise<GpuReferenceJson> {
    const iat = Math.floor(Date.now() / 1000);
    const nonceHex = toHex(gpuNonce);
    const common = { iss: DEV_NRAS_ISSUER, iat, nbf: iat, exp: iat + 3600, eat_nonce: nonceHex };
    const devices: Record<string, string> = {};
    const submods: Record<string, unknown> = {};
    for (let i = 0; i < gpus.length; i++) {
      const token = await jws(this.nrasKey, DEV_NRAS_KID, {
        ...common,
        jti: crypto.randomUUID(),
        hwmodel: 'GH100 A01 GSP BROM',
        oemid: '5703',
        ueid: this.gpuUeid,
        dbgstat: 'disabled',
        secboot: true,
        measres: 'success',
        'x-nvidia-gpu-arch-check': true,
        'x-nvidia-gpu-driver-version': SIM_GPU.driverVersion,
        'x-nvidia-gpu-vbios-version': '96.00.9F.00.01',
        'x-nvidia-gpu-attestation-report-parsed': true,
        'x-nvidia-gpu-attestation-report-nonce-match': true,
        'x-nvidia-gpu-attestation-report-signature-verified': true,
        'x-nvidia-gpu-attestation-report-cert-chain-fwid-match': true,
        'x-nvidia-gpu-attestation-report-cert-chain': { 'x-nvidia-cert-status': 'valid', 'x-nvidia-cert-ocsp-status': 'good', 'x-nvidia-cert-expiration-date': '9999-12-31T23:59:59Z', 'x-nvidia-cert-revocation-reason': null },
        'x-nvidia-gpu-driver-rim-fetched': true,
        'x-nvidia-gpu-driver-rim-signature-verified': true,
        'x-nvidia-gpu-driver-rim-measurements-available': true,
        'x-nvidia-gpu-vbios-rim-fetched': true,
        'x-nvidia-gpu-vbios-rim-signature-verified': true,
        'x-nvidia-gpu-vbios-rim-measurements-available': true,
        'x-nvidia-gpu-vbios-index-no-conflict': true,
        'x-nvidia-attestation-warning': 'SIMULATED: signed by a Confidant development key, not by NVIDIA',
      });
      devices[`GPU-${i}`] = token;
      submods[`GPU-${i}`] = ['DIGEST', ['SHA-256', toHex(await sha256(utf8(token)))]];
    }
    const overall = await jws(this.nrasKey, DEV_NRAS_KID, {
      ...common,
      jti: crypto.randomUUID(),
      sub: 'NVIDIA-PLATFORM-ATTESTATION',
      'x-nvidia-ver': '3.0',
      'x-nvidia-overall-att-result': true,
      submods,
    });
    return { kind: 'nras', eat: [['JWT', overall], devices] };
  }

  async snpReport(reportData: Uint8Array): Promise<SnpEvidence> {
    return this.snpReportWith(reportData, {});
  }

  /** A report with fields a stand-in of another provider's platform sets (tests/stand-ins). */
  async snpReportWith(reportData: Uint8Array, extra: { measurement?: Uint8Array; hostData?: Uint8Array; idKeyDigest?: Uint8Array }): Promise<SnpEvidence> {
    const report = buildReportV3({
      reportData,
      measurement: extra.measurement ?? this.measurement,
      ...(extra.hostData ? { hostData: extra.hostData } : {}),
      ...(extra.idKeyDigest ? { idKeyDigest: extra.idKeyDigest } : {}),
      chipId: SIM_CHIP_ID,
      tcb: SIM_TCB,
      policy: SIM_POLICY,
      fw: SIM_FW,
      reportId: new Uint8Array(randomBytes(32)),
      cpuid: [0x19, 0x11, 0x01],
    });
    const sig = await es384(this.vcekKey, report.subarray(0, SIGNED_LENGTH));
    setSignature(report, sig);
    return { report, vcekPem: this.vcekPem, certChainPem: this.amdChainPem, product: SIM_PRODUCT };
  }
}
