/**
 * Generates the DEVELOPMENT-ONLY roots the simulated gateway signs with, once:
 *
 *   gateway/dev-keys/*.pem           private keys and the CA certificates the gateway needs (public, not secret)
 *   src/core/attest/roots/dev/*.ts   the public roots a verifier may trust when told (allowSimulated)
 *
 * AMD-style: ARK (RSA-4096, self-signed) -> ASK (RSA-4096); every signature RSASSA-PSS SHA-384, salt 48.
 *   The VCEK (P-384) is issued by the gateway at start-up for its simulated chip.
 * NVIDIA-style: Device Identity CA (P-384, self-signed) -> GH100 Identity -> Provisioner ICA 1 -> GSP BROM;
 *   the FMC leaf with the TcbInfo FWID is issued by the gateway at start-up.
 * GPU reference values: an NRAS-style ES384 token signer (a bare P-384 JWK, kid confidant-dev-nras-1).
 *
 * Refuses to overwrite existing roots unless --force (a new root invalidates every pinned copy).
 * Usage: npx tsx scripts/make-dev-roots.ts [--force]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  amdName,
  DEV_ORG,
  ECDSA_SHA384,
  exportPkcs8Pem,
  generateP384,
  generateRsaPss,
  issue,
  pemOf,
  RSA_PSS_SHA384,
  selfSignedRoot,
  x509,
} from '../gateway/evidence/x509gen.ts';
import { DEV_NRAS_ISSUER, DEV_NRAS_KID, SIM_MEASUREMENT } from '../gateway/evidence/dev-constants.ts';

const ROOT = join(import.meta.dirname, '..');
const KEYS = join(ROOT, 'gateway', 'dev-keys');
const TS = join(ROOT, 'src', 'core', 'attest', 'roots', 'dev');
const force = process.argv.includes('--force');

if (existsSync(join(KEYS, 'amd-ark.key.pem')) && !force) {
  console.error('dev roots exist already; pass --force to replace them (every pinned copy changes)');
  process.exit(1);
}
mkdirSync(KEYS, { recursive: true });
mkdirSync(TS, { recursive: true });

const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
const AMD_NOT_AFTER = new Date('2050-01-01T00:00:00Z');
const NV_NOT_AFTER = new Date('9999-12-31T23:59:59Z');

function save(name: string, text: string): void {
  writeFileSync(join(KEYS, name), text);
}
function sha256Der(cert: x509.X509Certificate): string {
  return createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex');
}

// AMD-style
const arkKeys = await generateRsaPss();
const ark = await selfSignedRoot({ name: amdName('ARK-Genoa'), keys: arkKeys, alg: RSA_PSS_SHA384, serial: '020000', notBefore: NOT_BEFORE, notAfter: AMD_NOT_AFTER, pathLength: 1 });
const askKeys = await generateRsaPss();
const ask = await issue({
  subject: amdName('SEV-Genoa'),
  publicKey: askKeys.publicKey,
  issuer: ark,
  signingKey: arkKeys.privateKey,
  alg: RSA_PSS_SHA384,
  serial: '020001',
  notBefore: NOT_BEFORE,
  notAfter: AMD_NOT_AFTER,
  ca: true,
  pathLength: 0,
});
save('amd-ark.key.pem', await exportPkcs8Pem(arkKeys.privateKey));
save('amd-ark.cert.pem', pemOf(ark));
save('amd-ask.key.pem', await exportPkcs8Pem(askKeys.privateKey));
save('amd-ask.cert.pem', pemOf(ask));

// NVIDIA-style
const nvName = (cn: string) => `CN=${cn}, O=${DEV_ORG}, C=US`;
const rootKeys = await generateP384();
const nvRoot = await selfSignedRoot({ name: nvName('NVIDIA Device Identity CA'), keys: rootKeys, alg: ECDSA_SHA384, serial: '2d01', notBefore: NOT_BEFORE, notAfter: NV_NOT_AFTER });
let issuer = nvRoot;
let issuerKey = rootKeys.privateKey;
const chain: { file: string; cert: x509.X509Certificate }[] = [];
for (const [file, cn, serial] of [
  ['nvidia-identity', 'NVIDIA GH100 Identity', '4c01'],
  ['nvidia-provisioner', 'NVIDIA GH100 Provisioner ICA 1', '6a01'],
  ['nvidia-brom', 'GH100 A01 GSP BROM', '4101'],
] as const) {
  const keys = await generateP384();
  const cert = await issue({ subject: nvName(cn), publicKey: keys.publicKey, issuer, signingKey: issuerKey, alg: ECDSA_SHA384, serial, notBefore: NOT_BEFORE, notAfter: NV_NOT_AFTER, ca: true });
  save(`${file}.key.pem`, await exportPkcs8Pem(keys.privateKey));
  save(`${file}.cert.pem`, pemOf(cert));
  chain.push({ file, cert });
  issuer = cert;
  issuerKey = keys.privateKey;
}
save('nvidia-root.key.pem', await exportPkcs8Pem(rootKeys.privateKey));
save('nvidia-root.cert.pem', pemOf(nvRoot));

// NRAS-style token signer: a P-384 leaf under a dev intermediate, published as a JWK with x5c
// [leaf, intermediate] like NRAS's JWKS, so verifiers pin the intermediate's DER SHA-256.
const nrasCaKeys = await generateP384();
const nrasCa = await selfSignedRoot({ name: `CN=Confidant DEV NRAS Intermediate, O=${DEV_ORG}`, keys: nrasCaKeys, alg: ECDSA_SHA384, serial: '5a01', notBefore: NOT_BEFORE, notAfter: AMD_NOT_AFTER, pathLength: 0 });
const nrasKeys = await generateP384();
const nrasLeaf = await issue({ subject: `CN=Confidant DEV NRAS signer, O=${DEV_ORG}`, publicKey: nrasKeys.publicKey, issuer: nrasCa, signingKey: nrasCaKeys.privateKey, alg: ECDSA_SHA384, serial: '5a02', notBefore: NOT_BEFORE, notAfter: AMD_NOT_AFTER, ca: false });
save('nras-signer.key.pem', await exportPkcs8Pem(nrasKeys.privateKey));
save('nras-intermediate.key.pem', await exportPkcs8Pem(nrasCaKeys.privateKey));
save('nras-intermediate.cert.pem', pemOf(nrasCa));
const jwk = await crypto.subtle.exportKey('jwk', nrasKeys.publicKey);
const b64der = (c: x509.X509Certificate) => Buffer.from(c.rawData).toString('base64');
const publicJwk = { kty: 'EC', crv: 'P-384', kid: DEV_NRAS_KID, alg: 'ES384', use: 'sig', x: jwk.x!, y: jwk.y!, x5c: [b64der(nrasLeaf), b64der(nrasCa)] };

const banner = `/**
 * GENERATED by scripts/make-dev-roots.ts — DEVELOPMENT ONLY. The matching private keys are public,
 * in gateway/dev-keys/. A verifier may trust these only when its policy says allowSimulated;
 * PRODUCTION_POLICY must never reference this folder.
 */`;
writeFileSync(
  join(TS, 'amd.ts'),
  `${banner}

/** Dev ARK (CN ARK-Genoa, O ${DEV_ORG}), RSA-4096, RSASSA-PSS SHA-384 salt 48. SHA-256 of DER: ${sha256Der(ark)} */
export const DEV_ARK_PEM = \`${pemOf(ark)}\`;

export const DEV_ARK_DER_SHA256 = '${sha256Der(ark)}';

/** Dev ASK (CN SEV-Genoa), issued by DEV_ARK. Carried in simulated bundles too; informative. */
export const DEV_ASK_PEM = \`${pemOf(ask)}\`;

/** Product line the dev chain imitates. */
export const DEV_AMD_PRODUCT = 'Genoa';
`,
);
writeFileSync(
  join(TS, 'nvidia.ts'),
  `${banner}

/** Dev NVIDIA Device Identity CA (P-384, self-signed); the fifth certificate of simulated GPU chains. */
export const DEV_NVIDIA_DEVICE_ROOT_PEM = \`${pemOf(nvRoot)}\`;

export const DEV_NVIDIA_DEVICE_ROOT_DER_SHA256 = '${sha256Der(nvRoot)}';
`,
);
writeFileSync(
  join(TS, 'nras.ts'),
  `${banner}

/**
 * The key that signs simulated GPU reference results: NRAS-style detached EATs (ES384 JWS,
 * header {kid, alg}), as a JWKS shaped like NRAS's: x5c = [leaf, dev intermediate].
 */
export const DEV_NRAS_JWKS = ${JSON.stringify({ keys: [publicJwk] }, null, 2)} as const;

/** DER SHA-256 of the dev NRAS intermediate (x5c[1]); pin it like NRAS_INTERMEDIATE_004_SHA256. */
export const DEV_NRAS_INTERMEDIATE_SHA256 = '${sha256Der(nrasCa)}';

/** The \`iss\` of simulated tokens. */
export const DEV_NRAS_ISSUER = '${DEV_NRAS_ISSUER}';
`,
);
writeFileSync(
  join(TS, 'index.ts'),
  `${banner}
export { DEV_ARK_PEM, DEV_ARK_DER_SHA256, DEV_ASK_PEM, DEV_AMD_PRODUCT } from './amd.ts';
export { DEV_NVIDIA_DEVICE_ROOT_PEM, DEV_NVIDIA_DEVICE_ROOT_DER_SHA256 } from './nvidia.ts';
export { DEV_NRAS_JWKS, DEV_NRAS_INTERMEDIATE_SHA256, DEV_NRAS_ISSUER } from './nras.ts';

/** MEASUREMENT of every simulated SNP report: SHA-384("confidant/dev/launch-measurement/v1"). */
export const DEV_SNP_MEASUREMENT = '${Buffer.from(SIM_MEASUREMENT).toString('hex')}';
`,
);
console.log(`dev roots written:
  ARK  sha256 ${sha256Der(ark)}
  NVIDIA root sha256 ${sha256Der(nvRoot)}
  NRAS kid ${DEV_NRAS_KID}
  chain files: ${chain.map((c) => c.file).join(', ')}`);
