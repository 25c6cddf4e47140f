/**
 * NVIDIA Remote Attestation Service (NRAS) results: the "detached EAT"
 * `[["JWT", <overall token>], {"GPU-0": <device token>, …}]` or a single compact JWT.
 * Every token is a JWS compact serialization (RFC 7515) with header {kid, alg: ES384}.
 *
 * parseNrasToken: text → tokens (ParseError on malformed input).
 * verifyNrasSignatures: are the tokens signed by a key NVIDIA's attestation service certifies?
 *   The key is looked up by kid in the supplied JWKS; its x5c must be [leaf, intermediate, …]
 *   where the intermediate's DER SHA-256 is pinned (NVIDIA Attestation Service GPU
 *   Intermediate; its CA 001 root is not published, so the intermediate is the pin), the leaf
 *   is signed by it, both are valid at `now`, and the JWK's x/y equal the leaf's key.
 * checkNrasClaims: do the claims say what the verifier needs (nonce, digests, times, results)?
 *
 * JWS is verified with Web Crypto directly (alg fixed to ES384, no `crit`), not a JOSE library:
 * the format is one algorithm and one key type, and fixing them removes algorithm-confusion
 * paths entirely.
 */
import { ParseError } from '../../errors.ts';
import type { Check } from '../types.ts';
import { bytesEqual, fromBase64, fromBase64Url, sha256, toHex } from '../../bytes.ts';
import { type Cert, KeyUsage, checkSignedBy, certSha256Hex, importP384, parseCert, verifyP384 } from './certs.ts';
import { TAG_BIT_STRING, TAG_SEQUENCE, readChildren, readWhole } from '../x509/der.ts';

export const NRAS_ISSUER = 'https://nras.attestation.nvidia.com';
export const MAX_NRAS_CHARS = 256 * 1024;

/** A short, safe rendering of untrusted text for error messages. */
function describe(s: string, max = 40): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return `${JSON.stringify(t)} (${s.length} chars)`;
}

export interface Jws {
  compact: string;
  kid: string;
  alg: 'ES384';
  payload: Record<string, unknown>;
  /** ASCII(BASE64URL(header) '.' BASE64URL(payload)): what is signed. */
  signingInput: Uint8Array;
  signature: Uint8Array;
}

export interface NrasEat {
  overall: Jws;
  /** Device tokens by submodule name (GPU-0, …); empty for a single compact JWT. */
  devices: { name: string; token: Jws }[];
  detached: boolean;
}

function jsonObject(field: string, bytes: Uint8Array): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ParseError(field, `not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ParseError(field, 'want a JSON object');
  return v as Record<string, unknown>;
}

export function parseJws(field: string, compact: unknown): Jws {
  if (typeof compact !== 'string') throw new ParseError(field, `got ${typeof compact}, want a JWS compact string`);
  const parts = compact.split('.');
  if (parts.length !== 3) throw new ParseError(field, `got ${parts.length} dot-separated parts, want 3 (header.payload.signature)`);
  const [h, p, s] = parts as [string, string, string];
  const header = jsonObject(`${field}.header`, fromBase64Url(h, `${field}.header`));
  if (header.alg !== 'ES384') throw new ParseError(`${field}.header.alg`, `got ${JSON.stringify(header.alg)}, want "ES384"`);
  if ('crit' in header) throw new ParseError(`${field}.header.crit`, 'critical header extensions are not supported');
  if (typeof header.kid !== 'string' || header.kid.length === 0) throw new ParseError(`${field}.header.kid`, `got ${JSON.stringify(header.kid)}, want a key id`);
  const payload = jsonObject(`${field}.payload`, fromBase64Url(p, `${field}.payload`));
  const signature = fromBase64Url(s, `${field}.signature`);
  if (signature.length !== 96) throw new ParseError(`${field}.signature`, `got ${signature.length} bytes, want 96 (ES384 r‖s)`);
  return { compact, kid: header.kid, alg: 'ES384', payload, signingInput: new TextEncoder().encode(`${h}.${p}`), signature };
}

/** Parses NRAS output: the detached-EAT JSON text, or one compact JWT. */
export function parseNrasToken(text: string, field = 'nras.token'): NrasEat {
  if (typeof text !== 'string') throw new ParseError(field, `got ${typeof text}, want text`);
  const t = text.trim();
  if (t.length === 0) throw new ParseError(field, 'got 0 characters, want a detached EAT or a JWT');
  if (t.length > MAX_NRAS_CHARS) throw new ParseError(field, `got ${t.length} characters, want at most ${MAX_NRAS_CHARS}`);
  if (!t.startsWith('[')) return { overall: parseJws(field, t), devices: [], detached: false };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    throw new ParseError(field, `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(v) || v.length !== 2) throw new ParseError(field, 'want a JSON array [["JWT", token], {name: token}]');
  const head = v[0] as unknown;
  if (!Array.isArray(head) || head.length !== 2 || head[0] !== 'JWT') throw new ParseError(`${field}[0]`, `got ${describe(JSON.stringify(head) ?? '')}, want ["JWT", token]`);
  const overall = parseJws(`${field}.overall`, head[1]);
  const devs = v[1] as unknown;
  if (typeof devs !== 'object' || devs === null || Array.isArray(devs)) throw new ParseError(`${field}[1]`, 'want an object of device tokens');
  const devices = Object.entries(devs as Record<string, unknown>).map(([name, tok]) => ({ name, token: parseJws(`${field}.${name}`, tok) }));
  if (devices.length === 0) throw new ParseError(`${field}[1]`, 'got no device tokens, want at least one');
  return { overall, devices, detached: true };
}

interface Jwk {
  kty?: unknown;
  crv?: unknown;
  kid?: unknown;
  x?: unknown;
  y?: unknown;
  x5c?: unknown;
}

/** The uncompressed EC point (04‖x‖y) inside an SPKI. */
function spkiPoint(spki: Uint8Array): Uint8Array | null {
  try {
    const seq = readWhole('spki', spki, TAG_SEQUENCE);
    const key = readChildren('spki', seq, spki)[1];
    if (!key || key.tag !== TAG_BIT_STRING || key.content[0] !== 0) return null;
    return key.content.subarray(1);
  } catch {
    return null;
  }
}

export interface NrasKeyResult {
  checks: Check[];
  /** The verified signing key, or null when the key checks failed. */
  key: CryptoKey | null;
}

export interface NrasVerifyOptions {
  now: Date;
  /** Pinned DER SHA-256 (hex) of the NRAS intermediate certificate(s). */
  intermediateSha256: readonly string[];
}

/** gpu.nras.key and gpu.nras.chain: find `kid` in the JWKS and check its certificate against the pin. */
export async function resolveNrasKey(kid: string, jwks: unknown, opts: NrasVerifyOptions): Promise<NrasKeyResult> {
  const fail = (id: string, detail: string, got?: string, want?: string): Check => ({ id, passed: false, detail, field: id === 'gpu.nras.key' ? 'JWKS kid' : 'x5c', ...(got !== undefined ? { got } : {}), ...(want !== undefined ? { want } : {}) });
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    return { checks: [fail('gpu.nras.key', 'the JWKS has no "keys" array', typeof jwks, '{"keys": [...]}'), fail('gpu.nras.chain', 'no key to check')], key: null };
  }
  const jwk = keys.find((k) => (k as Jwk)?.kid === kid) as Jwk | undefined;
  if (!jwk) {
    return {
      checks: [
        fail('gpu.nras.key', `unknown kid: the token is signed with kid "${kid}", which is not among the ${keys.length} key(s) of the JWKS`, kid, 'a kid from the JWKS'),
        fail('gpu.nras.chain', 'no key to check (unknown kid)'),
      ],
      key: null,
    };
  }
  const shapeProblems: string[] = [];
  if (jwk.kty !== 'EC') shapeProblems.push(`kty: got ${JSON.stringify(jwk.kty)}, want "EC"`);
  if (jwk.crv !== 'P-384') shapeProblems.push(`crv: got ${JSON.stringify(jwk.crv)}, want "P-384"`);
  let point: Uint8Array | null = null;
  try {
    const x = fromBase64Url(String(jwk.x), 'jwk.x');
    const y = fromBase64Url(String(jwk.y), 'jwk.y');
    if (x.length !== 48 || y.length !== 48) shapeProblems.push(`x/y: got ${x.length}/${y.length} bytes, want 48/48`);
    else point = new Uint8Array([4, ...x, ...y]);
  } catch (e) {
    shapeProblems.push(e instanceof Error ? e.message : String(e));
  }

  // x5c: [leaf, intermediate, …], standard base64 DER (RFC 7517 §4.7).
  const chainProblems: string[] = [];
  let leaf: Cert | null = null;
  let inter: Cert | null = null;
  if (!Array.isArray(jwk.x5c) || jwk.x5c.length < 2) {
    chainProblems.push(`x5c: got ${Array.isArray(jwk.x5c) ? jwk.x5c.length : 'no'} certificates, want at least 2 (leaf, pinned intermediate)`);
  } else {
    try {
      leaf = parseCert('jwk.x5c[0]', fromBase64(String(jwk.x5c[0]), 'jwk.x5c[0]'));
      inter = parseCert('jwk.x5c[1]', fromBase64(String(jwk.x5c[1]), 'jwk.x5c[1]'));
    } catch (e) {
      chainProblems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (leaf && inter) {
    const interHash = await certSha256Hex(inter);
    if (!opts.intermediateSha256.map((h) => h.toLowerCase()).includes(interHash)) {
      chainProblems.push(`x5c[1] (${inter.name}) is not the pinned NRAS intermediate: got SHA-256 ${interHash}, want ${opts.intermediateSha256.join(' or ')}`);
    }
    if (inter.ca !== true) chainProblems.push('x5c[1] is not a CA certificate');
    if (leaf.ca === true) chainProblems.push('x5c[0] is a CA certificate, want a signing leaf');
    if (leaf.keyUsage !== null && !(leaf.keyUsage & KeyUsage.digitalSignature)) chainProblems.push('x5c[0] keyUsage lacks digitalSignature');
    if (!bytesEqual(leaf.issuerDer, inter.subjectDer)) chainProblems.push(`x5c[0] issuer "${leaf.issuer}" does not name x5c[1] "${inter.subject}"`);
    const signed = await checkSignedBy(leaf, inter);
    if (!signed.ok) chainProblems.push(`x5c[0] is not signed by x5c[1]: ${signed.reason}`);
    const t = opts.now.getTime();
    for (const [i, c] of [leaf, inter].entries()) {
      if (!(c.notBefore.getTime() <= t && t <= c.notAfter.getTime())) {
        chainProblems.push(`x5c[${i}] (${c.name}) is valid ${c.notBefore.toISOString()} to ${c.notAfter.toISOString()}, not at ${opts.now.toISOString()}`);
      }
    }
    if (leaf.keyType !== 'EC P-384') shapeProblems.push(`x5c[0] key: got ${leaf.keyType}, want EC P-384`);
    const leafPoint = spkiPoint(leaf.spki);
    if (point && (!leafPoint || !bytesEqual(point, leafPoint))) shapeProblems.push('the JWK x/y differ from the key in x5c[0]');
  }

  const checks: Check[] = [
    {
      id: 'gpu.nras.key',
      passed: shapeProblems.length === 0,
      detail: shapeProblems.length === 0 ? `kid "${kid}" found: an EC P-384 key equal to its x5c leaf` : `kid "${kid}": ${shapeProblems.join('; ')}`,
      field: 'JWKS kid',
      got: kid,
    },
    {
      id: 'gpu.nras.chain',
      passed: chainProblems.length === 0 && !!leaf,
      detail: chainProblems.length === 0 && leaf ? `the key's certificate (${leaf.name}) is issued by the pinned ${inter!.name} and valid at ${opts.now.toISOString()}` : chainProblems.join('; '),
      field: 'x5c',
    },
  ];
  let key: CryptoKey | null = null;
  if (checks.every((c) => c.passed) && leaf) {
    try {
      key = await importP384(leaf.spki);
    } catch {
      key = null;
    }
  }
  return { checks, key };
}

/** gpu.nras.signature (overall) and gpu.nras.<name>.signature (device tokens). */
export async function verifyNrasSignatures(eat: NrasEat, jwks: unknown, opts: NrasVerifyOptions): Promise<Check[]> {
  const kids = [...new Set([eat.overall.kid, ...eat.devices.map((d) => d.token.kid)])];
  const checks: Check[] = [];
  const keys = new Map<string, CryptoKey | null>();
  for (const [i, kid] of kids.entries()) {
    const r = await resolveNrasKey(kid, jwks, opts);
    keys.set(kid, r.key);
    // Report key checks once per distinct kid (normally one).
    checks.push(...r.checks.map((c) => (i === 0 ? c : { ...c, id: `${c.id}.${i}` })));
  }
  const one = async (id: string, what: string, tok: Jws): Promise<Check> => {
    const key = keys.get(tok.kid) ?? null;
    const ok = key ? await verifyP384(key, tok.signature, tok.signingInput) : false;
    return {
      id,
      passed: ok,
      detail: ok ? `${what} is signed by NRAS key ${tok.kid}` : key ? `${what}: the ES384 signature does not verify under key ${tok.kid}` : `${what}: no trusted key for kid "${tok.kid}" (see gpu.nras.key)`,
      field: `${what} JWS signature`,
      got: ok ? 'valid' : key ? 'invalid' : 'unknown kid',
      want: 'valid',
    };
  };
  checks.push(await one('gpu.nras.signature', 'overall token', eat.overall));
  for (const d of eat.devices) checks.push(await one(`gpu.nras.${d.name}.signature`, `${d.name} token`, d.token));
  return checks;
}

export interface NrasExpectations {
  now: Date;
  clockSkewSeconds: number;
  issuer: string;
  /** Hex nonce the verifier chose; NRAS echoes it as eat_nonce. */
  nonceHex: string | null;
  /** Decimal leaf serial of the GPU whose device token is wanted (NRAS `ueid`). */
  ueid: string | null;
  driverVersion: string | null;
  vbiosVersion: string | null;
}

function claimCheck(id: string, field: string, got: unknown, want: unknown, ok: boolean, what: string): Check {
  const g = got === undefined ? 'absent' : typeof got === 'string' ? got : JSON.stringify(got);
  const w = typeof want === 'string' ? want : JSON.stringify(want);
  return { id, passed: ok, detail: ok ? `${what}: ${field} is ${g}` : `${what}: ${field}: got ${g}, want ${w}`, field, got: g, want: w };
}

function timeProblems(p: Record<string, unknown>, now: Date, skew: number): string[] {
  const t = now.getTime() / 1000;
  const out: string[] = [];
  const num = (k: string): number | null => (typeof p[k] === 'number' && Number.isFinite(p[k]) ? (p[k] as number) : null);
  const exp = num('exp');
  const nbf = num('nbf');
  const iat = num('iat');
  if (exp === null) out.push('exp missing');
  else if (t > exp + skew) out.push(`expired: exp ${new Date(exp * 1000).toISOString()} is before ${now.toISOString()}`);
  if (nbf !== null && t < nbf - skew) out.push(`not yet valid: nbf ${new Date(nbf * 1000).toISOString()} is after ${now.toISOString()}`);
  if (iat === null) out.push('iat missing');
  else if (t < iat - skew) out.push(`issued in the future: iat ${new Date(iat * 1000).toISOString()} is after ${now.toISOString()}`);
  return out;
}

/**
 * Claim checks on an NRAS result (signatures are verifyNrasSignatures' job). For a detached EAT
 * the device token is the one whose `ueid` is this GPU's leaf serial; a single JWT is checked as
 * one token carrying both the overall and the device claims.
 */
export async function checkNrasClaims(eat: NrasEat, x: NrasExpectations): Promise<Check[]> {
  const checks: Check[] = [];
  const o = eat.overall.payload;
  const all: { name: string; p: Record<string, unknown> }[] = [{ name: 'overall', p: o }, ...eat.devices.map((d) => ({ name: d.name, p: d.token.payload }))];

  const badIss = all.filter((t) => t.p.iss !== x.issuer);
  checks.push({
    id: 'gpu.nras.issuer',
    passed: badIss.length === 0,
    detail: badIss.length === 0 ? `every token is issued by ${x.issuer}` : badIss.map((t) => `${t.name} iss: got ${JSON.stringify(t.p.iss)}, want ${x.issuer}`).join('; '),
    field: 'iss',
    want: x.issuer,
  });

  const times = all.flatMap((t) => timeProblems(t.p, x.now, x.clockSkewSeconds).map((s) => `${t.name}: ${s}`));
  checks.push({
    id: 'gpu.nras.time',
    passed: times.length === 0,
    detail: times.length === 0 ? `every token is valid at ${x.now.toISOString()} (exp, nbf, iat; skew ${x.clockSkewSeconds} s)` : times.join('; '),
    field: 'exp/nbf/iat',
    got: x.now.toISOString(),
  });

  const want = x.nonceHex?.toLowerCase() ?? null;
  const badNonce = all.filter((t) => typeof t.p.eat_nonce !== 'string' || want === null || (t.p.eat_nonce as string).toLowerCase() !== want);
  checks.push({
    id: 'gpu.nras.nonce',
    passed: want !== null && badNonce.length === 0,
    detail:
      want === null
        ? 'no expected nonce was supplied, so the NRAS result cannot be shown to be fresh'
        : badNonce.length === 0
          ? `eat_nonce equals the expected nonce in every token`
          : badNonce.map((t) => `${t.name} eat_nonce: got ${String(t.p.eat_nonce)}, want ${want}`).join('; '),
    field: 'eat_nonce',
    got: typeof o.eat_nonce === 'string' ? o.eat_nonce : 'absent',
    want: want ?? 'an expected nonce',
  });

  checks.push(claimCheck('gpu.nras.result', 'x-nvidia-overall-att-result', o['x-nvidia-overall-att-result'], true, o['x-nvidia-overall-att-result'] === true, 'overall token'));

  // Which token carries the device claims?
  let device: { name: string; p: Record<string, unknown> } | null = null;
  if (eat.detached) {
    const submods = o.submods;
    const problems: string[] = [];
    if (typeof submods !== 'object' || submods === null || Array.isArray(submods)) {
      problems.push('overall token has no submods object');
    } else {
      const names = new Set(Object.keys(submods));
      for (const d of eat.devices) {
        const entry = (submods as Record<string, unknown>)[d.name];
        names.delete(d.name);
        const ok = Array.isArray(entry) && entry[0] === 'DIGEST' && Array.isArray(entry[1]) && entry[1][0] === 'SHA-256' && typeof entry[1][1] === 'string';
        if (!ok) {
          problems.push(`submods.${d.name}: got ${JSON.stringify(entry) ?? 'absent'}, want ["DIGEST", ["SHA-256", hex]]`);
          continue;
        }
        const digest = toHex(await sha256(new TextEncoder().encode(d.token.compact)));
        const got = String((entry[1] as unknown[])[1]).toLowerCase();
        if (got !== digest) problems.push(`submods.${d.name} digest: got ${got}, want ${digest} (SHA-256 of the ${d.name} token)`);
      }
      for (const n of names) problems.push(`submods.${n} has no device token`);
    }
    checks.push({
      id: 'gpu.nras.submods',
      passed: problems.length === 0,
      detail: problems.length === 0 ? `the overall token's submods digests equal SHA-256 of each of the ${eat.devices.length} device token(s)` : problems.join('; '),
      field: 'submods',
    });
    const matches = eat.devices.filter((d) => x.ueid !== null && d.token.payload.ueid === x.ueid);
    device = matches.length === 1 ? { name: matches[0]!.name, p: matches[0]!.token.payload } : null;
    checks.push({
      id: 'gpu.nras.device',
      passed: device !== null,
      detail: device
        ? `device token ${device.name} is for this GPU (ueid ${x.ueid})`
        : `no single device token has ueid ${x.ueid ?? '(unknown)'}: got ${eat.devices.map((d) => `${d.name}=${String(d.token.payload.ueid)}`).join(', ')}`,
      field: 'ueid',
      got: eat.devices.map((d) => String(d.token.payload.ueid)).join(', '),
      want: x.ueid ?? 'the leaf certificate serial (decimal)',
    });
  } else {
    device = { name: 'token', p: o };
    checks.push(
      claimCheck('gpu.nras.device', 'ueid', o.ueid, x.ueid ?? 'the leaf certificate serial', x.ueid !== null && o.ueid === x.ueid, 'token'),
    );
  }

  const p = device?.p ?? {};
  const pre = device ? `gpu.nras.${device.name}` : 'gpu.nras.device';
  const what = device ? `${device.name} token` : 'device token (none matched)';
  checks.push(claimCheck(`${pre}.measres`, 'measres', p.measres, 'success', p.measres === 'success', what));
  checks.push(claimCheck(`${pre}.dbgstat`, 'dbgstat', p.dbgstat, 'disabled', p.dbgstat === 'disabled', what));
  checks.push(claimCheck(`${pre}.secboot`, 'secboot', p.secboot, true, p.secboot === true, what));
  checks.push(
    claimCheck(
      `${pre}.nonce-match`,
      'x-nvidia-gpu-attestation-report-nonce-match',
      p['x-nvidia-gpu-attestation-report-nonce-match'],
      true,
      p['x-nvidia-gpu-attestation-report-nonce-match'] === true,
      what,
    ),
  );
  const dv = p['x-nvidia-gpu-driver-version'];
  checks.push(claimCheck(`${pre}.driver`, 'x-nvidia-gpu-driver-version', dv, x.driverVersion ?? 'the report driver version', x.driverVersion !== null && dv === x.driverVersion, what));
  const vv = p['x-nvidia-gpu-vbios-version'];
  checks.push(
    claimCheck(
      `${pre}.vbios`,
      'x-nvidia-gpu-vbios-version',
      vv,
      x.vbiosVersion ?? 'the report VBIOS version',
      x.vbiosVersion !== null && typeof vv === 'string' && vv.toUpperCase() === x.vbiosVersion.toUpperCase(),
      what,
    ),
  );
  return checks;
}
