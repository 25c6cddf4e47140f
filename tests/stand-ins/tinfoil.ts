/**
 * A stand-in for a Tinfoil enclave, run as its own process, built from Tinfoil's published
 * protocol (tinfoilsh/verifier, tinfoil-js, the EHBP SPEC.md):
 *   node --import tsx tests/stand-ins/tinfoil.ts --port 0 --upstream URL --api-key KEY [--measurement HEX]
 *
 *   GET  /.well-known/tinfoil-attestation  {format: sev-snp-guest/v2, body: base64(gzip(report))},
 *        REPORT_DATA = SHA-256(TLS SPKI) ‖ X25519 HPKE public key; signed by a development VCEK
 *   GET  /vcek/v1/{product}/{hwid}          plays AMD KDS for that VCEK
 *   POST /v1/chat/completions               EHBP: opens the sealed body, checks the bearer key,
 *        forwards to the OpenAI-compatible upstream, seals every upstream chunk back
 *   POST /__restart                         new HPKE key and report (an enclave restart)
 *
 * Errors it gives like the real service: 401 for a wrong key (sealed), 422 problem+json when the
 * body was sealed to a key it no longer holds.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { deriveResponseKeys, encryptChunk } from 'ehbp';
import { DevSnp, json, listen, readBody } from './common.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' }, 'api-key': { type: 'string' }, measurement: { type: 'string' } } });
if (!values.upstream) throw new Error('--upstream is required');
const UPSTREAM = values.upstream.replace(/\/+$/, '');
const API_KEY = values['api-key'] ?? null;

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const snp = await DevSnp.create(values.measurement ? Uint8Array.from(Buffer.from(values.measurement, 'hex')) : undefined);
const tlsSpki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });

let keys: CryptoKeyPair;
let attestation: { format: string; body: string };
async function restart(): Promise<void> {
  keys = await suite.kem.generateKeyPair();
  const hpke = new Uint8Array(await suite.kem.serializePublicKey(keys.publicKey));
  const reportData = new Uint8Array(64);
  reportData.set(createHash('sha256').update(tlsSpki).digest(), 0);
  reportData.set(hpke, 32);
  const report = await snp.report(reportData);
  attestation = { format: 'https://tinfoil.sh/predicate/sev-snp-guest/v2', body: gzipSync(report).toString('base64') };
}
await restart();

const te = new TextEncoder();
function frame(ct: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + ct.length);
  b.writeUInt32BE(ct.length, 0);
  b.set(ct, 4);
  return b;
}

const server = createServer(async (req, res) => {
  try {
    if (snp.serveKds(req, res)) return;
    if (req.method === 'GET' && req.url === '/.well-known/tinfoil-attestation') return json(res, 200, attestation);
    if (req.method === 'POST' && req.url === '/__restart') {
      await restart();
      return json(res, 200, { ok: true });
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return void res.writeHead(404).end();

    const encHex = req.headers['ehbp-encapsulated-key'];
    if (typeof encHex !== 'string') return json(res, 400, { error: 'this enclave accepts only EHBP-sealed bodies' });
    const enc = Uint8Array.from(Buffer.from(encHex, 'hex'));
    const raw = await readBody(req);
    let plain: Uint8Array;
    let recipient;
    try {
      recipient = await suite.createRecipientContext({ recipientKey: keys.privateKey, enc, info: te.encode('ehbp request') });
      const parts: Uint8Array[] = [];
      for (let o = 0; o < raw.length; ) {
        const n = raw.readUInt32BE(o);
        parts.push(new Uint8Array(await recipient.open(raw.subarray(o + 4, o + 4 + n))));
        o += 4 + n;
      }
      plain = Buffer.concat(parts);
    } catch {
      res.writeHead(422, { 'content-type': 'application/problem+json' });
      return void res.end(JSON.stringify({ type: 'urn:ietf:params:ehbp:error:key-config', title: 'key configuration mismatch' }));
    }
    const nonce = randomBytes(32);
    const km = await deriveResponseKeys(new Uint8Array(await recipient.export(te.encode('ehbp response'), 32)), enc, nonce);
    let seq = 0;
    const sealedHead = (status: number, type: string) => res.writeHead(status, { 'content-type': type, 'ehbp-response-nonce': nonce.toString('hex') });

    if (API_KEY !== null && req.headers.authorization !== `Bearer ${API_KEY}`) {
      sealedHead(401, 'application/json');
      return void res.end(frame(await encryptChunk(km, seq++, te.encode(JSON.stringify({ error: { message: 'invalid API key' } })))));
    }
    const up = await fetch(`${UPSTREAM}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: plain as BodyInit });
    sealedHead(up.status, up.headers.get('content-type') ?? 'application/octet-stream');
    if (!up.body) return void res.end();
    const reader = up.body.getReader();
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        res.write(frame(await encryptChunk(km, seq++, value)));
      }
      res.end();
    } catch {
      res.destroy();
    }
  } catch (e) {
    if (!res.headersSent) json(res, 500, { error: String(e) });
    else res.destroy();
  }
});

listen(server, Number(values.port));
