/**
 * An independent check of SIMULATED bundles, written from the FACTS files rather than from the
 * gateway's code: certificate chains to the committed dev roots, the SNP report signature
 * (r/s little-endian), VCEK extensions against the report, REPORT_DATA per binding.ts, the GPU
 * blob signature and nonce, FWID, and the dev NRAS-style token. Tests use it to prove the
 * gateway's byte formats; it is not the product's verifier (src/core/attest/evidence.ts).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { Check } from '../../src/core/attest/types.ts';
import { expectedReportDataFor, type EvidenceBundle } from '../../src/core/attest/bundle.ts';
import { gpuNonceFor } from '../../src/core/attest/binding.ts';
import { DEV_ARK_PEM } from '../../src/core/attest/roots/dev/amd.ts';
import { DEV_NVIDIA_DEVICE_ROOT_PEM } from '../../src/core/attest/roots/dev/nvidia.ts';
import { DEV_NRAS_JWKS } from '../../src/core/attest/roots/dev/nras.ts';
import { bytesEqual, fromBase64Lenient, sha256, toHex, utf8 } from '../../src/core/bytes.ts';

x509.cryptoProvider.set(globalThis.crypto);

function splitPem(text: string): x509.X509Certificate[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new x509.X509Certificate(p));
}

async function verifies(child: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await child.verify({ publicKey: issuer, signatureOnly: true });
  } catch {
    return false;
  }
}

function extValue(cert: x509.X509Certificate, oid: string): Uint8Array | undefined {
  const e = cert.extensions.find((x) => x.type === oid);
  return e ? new Uint8Array(e.value) : undefined;
}

function derIntValue(b: Uint8Array | undefined): number {
  if (!b || b[0] !== 0x02) return -1;
  let n = 0;
  for (let i = 2; i < 2 + b[1]!; i++) n = n * 256 + b[i]!;
  return n;
}

async function ecdsaP384(cert: x509.X509Certificate, sig: Uint8Array, data: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey('spki', cert.publicKey.rawData, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, sig as BufferSource, data as BufferSource);
}

export async function checkSimulatedBundle(bundle: EvidenceBundle, nonce: Uint8Array): Promise<{ ok: boolean; checks: Check[] }> {
  const checks: Check[] = [];
  const add = (id: string, passed: boolean, detail: string) => checks.push({ id, passed, detail });
  const j = bundle.json;
  add('bundle.simulated', j.simulated === true, 'bundle says simulated');
  add('bundle.nonce', bytesEqual(bundle.nonce, nonce), 'bundle echoes the client nonce');

  // SNP chain: dev ARK (pinned) -> ASK -> VCEK
  const ark = new x509.X509Certificate(DEV_ARK_PEM);
  const carried = splitPem(j.snp.certChain);
  const ask = carried[0]!;
  const vcek = new x509.X509Certificate(j.snp.vcek);
  add('snp.chain.ark', carried[1] !== undefined && bytesEqual(new Uint8Array(carried[1].rawData), new Uint8Array(ark.rawData)), 'carried ARK equals the dev ARK');
  add('snp.chain.ask', await verifies(ask, ark), 'ARK signs ASK (RSA-PSS SHA-384)');
  add('snp.chain.vcek', await verifies(vcek, ask), 'ASK signs VCEK (RSA-PSS SHA-384)');
  add('snp.vcek.serial', vcek.serialNumber === '00', `VCEK serial is 0 (got ${vcek.serialNumber})`);

  const r = bundle.snpReport;
  const dv = new DataView(r.buffer, r.byteOffset, r.byteLength);
  add('snp.report.version', dv.getUint32(0, true) === 3, 'VERSION 3');
  add('snp.report.policy.debug', (dv.getBigUint64(0x08, true) & (1n << 19n)) === 0n, 'POLICY.DEBUG clear');
  add('snp.report.sigalgo', dv.getUint32(0x34, true) === 1, 'SIGNATURE_ALGO 1');
  const rLe = r.subarray(0x2a0, 0x2a0 + 72);
  const sLe = r.subarray(0x2e8, 0x2e8 + 72);
  add('snp.report.sigpad', rLe.subarray(48).every((x) => x === 0) && sLe.subarray(48).every((x) => x === 0) && r.subarray(0x330).every((x) => x === 0), 'upper signature bytes zero');
  const sig = new Uint8Array(96);
  sig.set(rLe.slice(0, 48).reverse(), 0);
  sig.set(sLe.slice(0, 48).reverse(), 48);
  add('snp.report.signature', await ecdsaP384(vcek, sig, r.subarray(0, 0x2a0)), 'VCEK signs bytes 0x000..0x29F');
  const P = '1.3.6.1.4.1.3704.1';
  add('snp.vcek.hwid', bytesEqual(extValue(vcek, `${P}.4`) ?? new Uint8Array(), r.subarray(0x1a0, 0x1e0)), 'hwID == CHIP_ID');
  const tcb = r.subarray(0x180, 0x188);
  add(
    'snp.vcek.tcb',
    derIntValue(extValue(vcek, `${P}.3.1`)) === tcb[0] && derIntValue(extValue(vcek, `${P}.3.2`)) === tcb[1] && derIntValue(extValue(vcek, `${P}.3.3`)) === tcb[6] && derIntValue(extValue(vcek, `${P}.3.8`)) === tcb[7],
    'VCEK SPLs == REPORTED_TCB',
  );
  const want = await expectedReportDataFor(bundle, nonce);
  add('snp.report_data', bytesEqual(r.subarray(0x50, 0x90), want), 'REPORT_DATA binds nonce, key and GPUs');

  // GPUs
  const gpuNonce = await gpuNonceFor(nonce);
  const devRoot = new x509.X509Certificate(DEV_NVIDIA_DEVICE_ROOT_PEM);
  for (const [i, g] of bundle.gpus.entries()) {
    const chain = splitPem(g.certChainPem);
    add(`gpu${i}.chain.length`, chain.length === 5, '5 certificates');
    add(`gpu${i}.chain.root`, bytesEqual(new Uint8Array(chain[4]!.rawData), new Uint8Array(devRoot.rawData)), 'last cert equals the dev root');
    let ok = true;
    for (let k = 0; k < 4; k++) ok &&= await verifies(chain[k]!, chain[k + 1]!);
    ok &&= await verifies(chain[4]!, chain[4]!);
    add(`gpu${i}.chain.signatures`, ok, 'each cert signed by the next');
    const b = g.report;
    add(`gpu${i}.nonce`, bytesEqual(b.subarray(4, 36), gpuNonce), 'requester nonce == gpuNonceFor(nonce)');
    const recLen = b[42]! | (b[43]! << 8) | (b[44]! << 16);
    const nOff = 37 + 8 + recLen;
    const opLen = b[nOff + 32]! | (b[nOff + 33]! << 8);
    const sigOff = nOff + 34 + opLen;
    add(`gpu${i}.length`, b.length === sigOff + 96, 'blob ends with the signature');
    add(`gpu${i}.signature`, await ecdsaP384(chain[0]!, b.subarray(sigOff, sigOff + 96), b.subarray(0, sigOff)), 'leaf signs request||response');
    let fwid: Uint8Array | undefined;
    for (let p = nOff + 34; p + 4 <= sigOff; ) {
      const t = b[p]! | (b[p + 1]! << 8);
      const l = b[p + 2]! | (b[p + 3]! << 8);
      if (t === 20) fwid = b.subarray(p + 4, p + 4 + l);
      p += 4 + l;
    }
    const tcbInfo = extValue(chain[0]!, '2.23.133.5.4.1');
    add(`gpu${i}.fwid`, !!fwid && !!tcbInfo && bytesEqual(fwid, tcbInfo.subarray(tcbInfo.length - 48)), 'opaque FWID == leaf TcbInfo FWID');
  }

  // dev NRAS-style token
  const ref = j.gpuReference;
  if (ref.kind !== 'nras') add('gpu.reference', false, 'simulated bundles carry an NRAS-style EAT');
  else {
    const jwk = DEV_NRAS_JWKS.keys[0];
    const key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
    const verifyJws = async (t: string) => {
      const [h, p, s] = t.split('.');
      const okSig = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, fromBase64Lenient(s!) as BufferSource, utf8(`${h}.${p}`) as BufferSource);
      return { okSig, header: JSON.parse(new TextDecoder().decode(fromBase64Lenient(h!))), claims: JSON.parse(new TextDecoder().decode(fromBase64Lenient(p!))) };
    };
    const overall = await verifyJws(ref.eat[0][1]);
    add('nras.overall.signature', overall.okSig && overall.header.kid === jwk.kid && overall.header.alg === 'ES384', 'overall token ES384 under the dev key');
    add('nras.overall.nonce', overall.claims.eat_nonce === toHex(gpuNonce), 'eat_nonce == hex(gpuNonce)');
    add('nras.overall.result', overall.claims['x-nvidia-overall-att-result'] === true, 'overall result true');
    for (const [name, tok] of Object.entries(ref.eat[1])) {
      const dev = await verifyJws(tok);
      add(`nras.${name}.signature`, dev.okSig, 'device token signature');
      add(`nras.${name}.digest`, overall.claims.submods?.[name]?.[1]?.[1] === toHex(await sha256(utf8(tok))), 'submods digest');
      add(`nras.${name}.measres`, dev.claims.measres === 'success', 'measres success');
    }
  }
  return { ok: checks.every((c) => c.passed), checks };
}
