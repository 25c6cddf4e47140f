/**
 * A stand-in for Privatemode's API and CDN, run as its own process, built from the published
 * client protocol (privatemode-public internal/oss, MIT; modelled on
 * privatemode-proxy/internal/server/stub) and Contrast's attestation format:
 *   node --import tsx tests/stand-ins/privatemode.ts --port 0 --upstream URL --api-key KEY [--vcpus N]
 *
 *   GET  /manifest.json                the deployment manifest (what cdn.confidential.cloud serves)
 *   POST /privatemode/v1/attest        {"Nonce"} → {"AttestationDoc"}: a coordinator attestation whose
 *        SEV-SNP report (development-signed) has REPORT_DATA = Contrast's ConstructReportData, HOST_DATA =
 *        the coordinator policy hash, MEASUREMENT = the manifest's 1-vCPU seed extended to N vCPUs,
 *        ID_KEY_DIGEST = Contrast's derived ID key
 *   POST /privatemode/v1/secret        X-Wing export-only key exchange, signed by a mesh certificate
 *   POST /v1/chat/completions          field-encrypted request → upstream → field-encrypted SSE answer
 *   POST /__manifest                   publish and deploy a new manifest (a Privatemode update)
 *   GET  /__received                   the requests as this stand-in decrypted them (what the
 *                                      deployment sees), for tests
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { CipherSuite, ExportOnly, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { p256 } from '@noble/curves/nist.js';
import { OFFSET, SIGNATURE_OFFSET, REPORT_SIZE } from '../../src/core/attest/sevsnp/abi.ts';
import { extendForVcpus, VCPU_SIGNATURES } from '../../src/core/attest/sevsnp/measure.ts';
import { contrastReportData, transitionDigest } from '../../src/core/providers/privatemode/attestation.ts';
import { FieldCipher, PLAIN_REQUEST_FIELDS, PLAIN_RESPONSE_FIELDS } from '../../src/core/providers/privatemode/fields.ts';
import { contrastIdKeyDigest } from '../../src/core/providers/privatemode/idblock.ts';
import { parseManifest, policyBits } from '../../src/core/providers/privatemode/manifest.ts';
import { SIM_CHIP_ID, SIM_POLICY, SIM_TCB } from '../../gateway/evidence/dev-constants.ts';
import { issue, selfSignedRoot } from '../../gateway/evidence/x509gen.ts';
import { DevSnp, json, listen, readBody } from './common.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' }, 'api-key': { type: 'string' }, vcpus: { type: 'string', default: '4' } } });
if (!values.upstream) throw new Error('--upstream is required');
const UPSTREAM = values.upstream.replace(/\/+$/, '');
const API_KEY = values['api-key'] ?? null;
const VCPUS = Number(values.vcpus);

const sha256 = (b: Uint8Array | string) => new Uint8Array(createHash('sha256').update(b).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// -- the deployment: a coordinator policy, reference values, CAs -------------------------------
const COORDINATOR_POLICY = new TextEncoder().encode('package agent_policy\n# the coordinator policy of the stand-in deployment\n');
const SEED = sha256('privatemode stand-in OVMF+kernel launch digest').subarray(0, 32);
const LAUNCH_SEED = new Uint8Array(48);
LAUNCH_SEED.set(SEED);
const AP_EIP = 0x0080b004;
const GUEST_POLICY = { SMT: true, MigrateMA: false, Debug: false, CXLAllowed: false, PageSwapDisable: false };

function manifestBytes(revision: number): Uint8Array {
  const m = {
    Policies: {
      [hex(sha256(COORDINATOR_POLICY))]: { SANs: ['coordinator'], WorkloadSecretID: 'coordinator', Role: 'coordinator' },
      [hex(sha256(`secret-service policy r${revision}`))]: { SANs: ['root', 'secret.privatemode.ai'], WorkloadSecretID: 'secret-service' },
    },
    ReferenceValues: {
      snp: [
        {
          ProductName: 'Genoa',
          TrustedMeasurement: hex(LAUNCH_SEED),
          APEIP: Buffer.from(Uint32Array.of(AP_EIP).buffer).toString('hex'),
          MinimumTCB: { BootloaderVersion: SIM_TCB.bl, TEEVersion: SIM_TCB.tee, SNPVersion: SIM_TCB.snp, MicrocodeVersion: SIM_TCB.ucode },
          GuestPolicy: GUEST_POLICY,
          PlatformInfo: { SMTEnabled: true, ECCEnabled: false, AliasCheckComplete: false },
          MinimumMitigationVector: 0,
          AllowedChipIDs: [hex(SIM_CHIP_ID).toUpperCase()],
        },
      ],
    },
    SeedshareOwnerPubKeys: [],
    Revision: revision,
  };
  return new TextEncoder().encode(JSON.stringify(m, null, 2));
}

const snp = await DevSnp.create();
const measurement = await extendForVcpus(LAUNCH_SEED, 1, VCPUS, { apEip: AP_EIP, vcpuSig: VCPU_SIGNATURES['EPYC-Genoa']!, guestFeatures: 0x1 });
if (policyBits({ ABIMinor: 0, ABIMajor: 0, SingleSocket: false, MemAES256XTS: false, RAPLDis: false, CipherTextHidingDRAM: false, ...GUEST_POLICY }) !== SIM_POLICY) throw new Error('guest policy drifted from the simulated report');
const idKeyDigest = await contrastIdKeyDigest(measurement, SIM_POLICY);

const p256Gen = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const now = Date.now();
const notBefore = new Date(now - 86_400_000);
const notAfter = new Date(now + 365 * 86_400_000);
const rootKeys = (await crypto.subtle.generateKey(p256Gen, true, ['sign', 'verify'])) as CryptoKeyPair;
const rootCa = await selfSignedRoot({ name: 'CN=system:coordinator:root', keys: rootKeys, alg: ES256, serial: 1, notBefore, notAfter });
const meshKeys = (await crypto.subtle.generateKey(p256Gen, true, ['sign', 'verify'])) as CryptoKeyPair;
const meshCa = await issue({ subject: 'CN=system:coordinator:intermediate', publicKey: meshKeys.publicKey, issuer: rootCa, signingKey: rootKeys.privateKey, alg: ES256, serial: 2, notBefore, notAfter, ca: true });
const leafKeys = (await crypto.subtle.generateKey(p256Gen, true, ['sign', 'verify'])) as CryptoKeyPair;
const leaf = await issue({ subject: 'CN=secret-service', publicKey: leafKeys.publicKey, issuer: meshCa, signingKey: meshKeys.privateKey, alg: ES256, serial: 3, notBefore, notAfter, ca: false });
const leafPriv = new Uint8Array(Buffer.from(((await crypto.subtle.exportKey('jwk', leafKeys.privateKey)) as JsonWebKey).d!, 'base64url'));
const rootPem = new TextEncoder().encode(rootCa.toString('pem'));
const meshPem = new TextEncoder().encode(meshCa.toString('pem'));

let history: Uint8Array[] = [manifestBytes(1)];
parseManifest(history[0]!); // what we serve must be what the client accepts

// -- Contrast's attestation document -----------------------------------------------------------
function reportToProto(r: Uint8Array): Uint8Array {
  const dv = new DataView(r.buffer, r.byteOffset, r.byteLength);
  const w = new BinaryWriter();
  const u32 = (no: number, off: number) => w.tag(no, WireType.Varint).uint32(dv.getUint32(off, true));
  const u64 = (no: number, off: number) => w.tag(no, WireType.Varint).uint64(dv.getBigUint64(off, true));
  const bytes = (no: number, off: number, len: number) => w.tag(no, WireType.LengthDelimited).bytes(r.subarray(off, off + len));
  const byte = (no: number, off: number) => w.tag(no, WireType.Varint).uint32(r[off]!);
  u32(1, OFFSET.VERSION); u32(2, OFFSET.GUEST_SVN); u64(3, OFFSET.POLICY); bytes(4, OFFSET.FAMILY_ID, 16); bytes(5, OFFSET.IMAGE_ID, 16);
  u32(6, OFFSET.VMPL); u32(7, OFFSET.SIGNATURE_ALGO); u64(8, OFFSET.CURRENT_TCB); u64(9, OFFSET.PLATFORM_INFO); u32(10, OFFSET.SIGNER_INFO);
  bytes(11, OFFSET.REPORT_DATA, 64); bytes(12, OFFSET.MEASUREMENT, 48); bytes(13, OFFSET.HOST_DATA, 32); bytes(14, OFFSET.ID_KEY_DIGEST, 48);
  bytes(15, OFFSET.AUTHOR_KEY_DIGEST, 48); bytes(16, OFFSET.REPORT_ID, 32); bytes(17, OFFSET.REPORT_ID_MA, 32); u64(18, OFFSET.REPORTED_TCB);
  bytes(19, OFFSET.CHIP_ID, 64); u64(20, OFFSET.COMMITTED_TCB);
  byte(21, OFFSET.CURRENT_BUILD); byte(22, OFFSET.CURRENT_MINOR); byte(23, OFFSET.CURRENT_MAJOR);
  byte(24, OFFSET.COMMITTED_BUILD); byte(25, OFFSET.COMMITTED_MINOR); byte(26, OFFSET.COMMITTED_MAJOR);
  u64(27, OFFSET.LAUNCH_TCB); bytes(28, SIGNATURE_OFFSET, REPORT_SIZE - SIGNATURE_OFFSET);
  const fam = r[OFFSET.CPUID_FAM_ID]!;
  const mod = r[OFFSET.CPUID_MOD_ID]!;
  const eax = ((fam > 0xf ? fam - 0xf : 0) << 20) | ((mod >> 4) << 16) | ((fam > 0xf ? 0xf : fam) << 8) | ((mod & 0xf) << 4) | (r[OFFSET.CPUID_STEP]! & 0xf);
  w.tag(29, WireType.Varint).uint32(eax);
  return w.finish();
}

async function attestationDoc(nonce: Uint8Array): Promise<Uint8Array> {
  const reportData = await contrastReportData(nonce, await transitionDigest(history), rootPem, meshPem);
  const report = await snp.report(reportData, { measurement, hostData: sha256(COORDINATOR_POLICY), idKeyDigest });
  const [ask, ark] = snp.chainDer();
  const chain = new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(snp.vcekDer).tag(2, WireType.LengthDelimited).bytes(ask!).tag(3, WireType.LengthDelimited).bytes(ark!).finish();
  const product = new BinaryWriter().tag(1, WireType.Varint).int32(2).finish();
  const att = new BinaryWriter()
    .tag(1, WireType.LengthDelimited).bytes(reportToProto(report))
    .tag(2, WireType.LengthDelimited).bytes(chain)
    .tag(3, WireType.LengthDelimited).bytes(product)
    .finish();
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return new TextEncoder().encode(
    JSON.stringify({
      version: 'v1.20.0-stand-in',
      raw_attestation_doc: b64(att),
      attestation_type: [1, 3, 9901, 2, 1],
      manifests: history.map(b64),
      policies: [b64(COORDINATOR_POLICY)],
      root_ca: b64(rootPem),
      mesh_ca: b64(meshPem),
    }),
  );
}

// -- secrets and the encrypted API ---------------------------------------------------------------
const exportSuite = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new ExportOnly() });
const secrets = new Map<string, Uint8Array>();
const received: unknown[] = [];

function authorized(h: string | undefined, required: boolean): boolean {
  if (API_KEY === null) return true;
  if (h === undefined) return !required;
  return h === `Bearer ${API_KEY}`;
}

async function openRequest(body: string, secret: Uint8Array): Promise<Record<string, unknown>> {
  const o = JSON.parse(body) as Record<string, unknown>;
  const firstEncrypted = Object.keys(o).sort().find((k) => !PLAIN_REQUEST_FIELDS.has(k));
  const nonce = Buffer.from(String(o[firstEncrypted!]).split(':')[1]!, 'hex');
  const cipher = await FieldCipher.create(secret, 'server', nonce);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = PLAIN_REQUEST_FIELDS.has(k) ? o[k] : JSON.parse(await cipher.decrypt(String(o[k])));
  return { ...out, __nonce: nonce };
}

const server = createServer(async (req, res) => {
  try {
    if (snp.serveKds(req, res)) return;
    if (req.method === 'GET' && req.url === '/manifest.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(Buffer.from(history[history.length - 1]!));
    }
    if (req.method === 'POST' && req.url === '/__manifest') {
      history = [...history, manifestBytes(history.length + 1)];
      return json(res, 200, { revision: history.length });
    }
    if (req.method === 'GET' && req.url === '/__received') return json(res, 200, received);
    if (req.method === 'POST' && req.url === '/privatemode/v1/attest') {
      if (!authorized(req.headers.authorization, false)) return json(res, 401, { error: 'unauthorized' });
      const { Nonce } = JSON.parse((await readBody(req)).toString('utf8')) as { Nonce: string };
      const nonce = Buffer.from(Nonce, 'base64');
      if (nonce.length !== 32) return json(res, 400, { error: 'nonce must be 32 bytes' });
      return json(res, 200, { AttestationDoc: Buffer.from(await attestationDoc(nonce)).toString('base64') });
    }
    if (req.method === 'POST' && req.url === '/privatemode/v1/secret') {
      if (!authorized(req.headers.authorization, true)) return json(res, 401, { error: 'unauthorized' });
      const { PublicKey } = JSON.parse((await readBody(req)).toString('utf8')) as { PublicKey: string };
      const pk = new Uint8Array(Buffer.from(PublicKey, 'base64'));
      const sender = await exportSuite.createSenderContext({ recipientPublicKey: await exportSuite.kem.deserializePublicKey(pk as unknown as ArrayBuffer) });
      const enc = new Uint8Array(sender.enc);
      secrets.set(Buffer.from(sha256(pk)).toString('base64'), new Uint8Array(await sender.export(new Uint8Array(0) as unknown as ArrayBuffer, 32)));
      const sig = p256.sign(sha256(Buffer.concat([pk, enc])), leafPriv, { prehash: false, format: 'der' });
      return json(res, 200, { EncapsulatedKey: Buffer.from(enc).toString('base64'), Signature: Buffer.from(sig).toString('base64'), MeshCert: Buffer.from(leaf.rawData).toString('base64') });
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return void res.writeHead(404).end();

    if (!authorized(req.headers.authorization, true)) return json(res, 401, { error: 'unauthorized' });
    const secret = secrets.get(String(req.headers['privatemode-secret-id']));
    if (!secret) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('no secret for ID');
    }
    const policy = String(req.headers['privatemode-nvidia-ocsp-policy'] ?? '');
    const want = Buffer.from(await crypto.subtle.sign('HMAC', await crypto.subtle.importKey('raw', secret as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), new TextEncoder().encode(policy))).toString('hex');
    if (!policy.startsWith('rules=') || req.headers['privatemode-nvidia-ocsp-policy-mac'] !== want) return json(res, 400, { error: 'OCSP policy header is missing or its MAC is wrong' });
    let plain: Record<string, unknown>;
    try {
      plain = await openRequest((await readBody(req)).toString('utf8'), secret);
    } catch {
      return json(res, 400, { error: 'decrypting request fields failed' });
    }
    const { __nonce, ...forward } = plain as Record<string, unknown> & { __nonce: Buffer };
    received.push(forward);
    const up = await fetch(`${UPSTREAM}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(forward) });
    const cipher = await FieldCipher.create(secret, String(req.headers['privatemode-secret-id']), __nonce);
    const seal = async (text: string) => {
      const o = JSON.parse(text) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o).sort()) out[k] = PLAIN_RESPONSE_FIELDS.has(k) ? o[k] : await cipher.encrypt(JSON.stringify(o[k]));
      return JSON.stringify(out);
    };
    if (!up.ok || !up.body) {
      res.writeHead(up.status, { 'content-type': 'application/json' });
      return void res.end(await seal(await up.text().catch(() => '{}')));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const reader = up.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = event.replace(/^data: ?/, '');
        res.write(data.trim() === '[DONE]' ? 'data: [DONE]\n\n' : `data: ${await seal(data)}\n\n`);
      }
    }
    res.end();
  } catch (e) {
    if (!res.headersSent) json(res, 500, { error: String(e) });
    else res.destroy();
  }
});

listen(server, Number(values.port));
