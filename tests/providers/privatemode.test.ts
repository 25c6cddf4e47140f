/**
 * The Privatemode provider against the Privatemode stand-in (tests/stand-ins/privatemode.ts, a
 * real server process speaking the published client protocol, with a development-signed Contrast
 * coordinator attestation): attest, exchange the secret, stream a field-encrypted answer, refuse
 * what must be refused, and show on the wire that the question never travels in clear. Contrast's
 * published golden value for REPORT_DATA is checked here too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/core/attest/policy.ts';
import { toHex, utf8 } from '../../src/core/bytes.ts';
import type { ChatDelta } from '../../src/core/channel/openai.ts';
import { contrastReportData, parseContrastAttestation, transitionDigest } from '../../src/core/providers/privatemode/attestation.ts';
import { FieldCipher } from '../../src/core/providers/privatemode/fields.ts';
import { parseManifest } from '../../src/core/providers/privatemode/manifest.ts';
import { privatemodeProvider } from '../../src/core/providers/privatemode/provider.ts';
import type { AttestContext } from '../../src/core/providers/types.ts';
import type { GatewayProfile } from '../../src/core/settings/settings.ts';
import { failure, question as ask } from '../helpers/gateway-fixture.ts';
import { startListening, startStandIn, type Running } from '../helpers/processes.ts';
import { startRecorder } from '../helpers/tcp-recorder.ts';

const API_KEY = 'pm-test-key';
let upstream: Running;
let pm: Running;

function profile(url: string, manifestUrl: string, development = true): GatewayProfile {
  return { id: '0123456789abcdef', provider: 'privatemode', label: 'Privatemode', url, development, trust: { kind: 'tofu' }, allowUnknownSoftware: false, manifestUrl };
}
function ctx(url = pm.url, over: Partial<AttestContext> = {}): AttestContext {
  return { profile: profile(url, `${pm.url}/manifest.json`), policy: parsePolicy({ allowSimulated: true }), fetch, now: new Date(), endpoints: { kds: pm.url, githubApi: 'http://127.0.0.1:9' }, apiKey: API_KEY, ...over };
}
async function collect(gen: AsyncIterable<ChatDelta>): Promise<{ text: string; deltas: ChatDelta[] }> {
  const deltas: ChatDelta[] = [];
  for await (const d of gen) deltas.push(d);
  return { text: deltas.map((d) => d.content ?? '').join(''), deltas };
}

beforeAll(async () => {
  upstream = await startStandIn();
  pm = await startListening('tests/stand-ins/privatemode.ts', ['--port', '0', '--upstream', upstream.url, '--api-key', API_KEY, '--vcpus', '4']);
}, 60_000);
afterAll(async () => {
  await pm?.stop();
  await upstream?.stop();
});

describe('Contrast REPORT_DATA', () => {
  it('matches Contrast’s golden value (apitypes/reportdata_test.go, unversioned /attest)', async () => {
    const nonce = Uint8Array.from({ length: 32 }, (_, i) => i);
    const transition = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
    const rd = await contrastReportData(nonce, transition, utf8('root-ca'), utf8('mesh-ca'));
    expect(toHex(rd)).toBe('ec25193fbfa21fb46964de80adca8e7d70222ad41e67c77a696e2f188c02a0f2' + '00'.repeat(32));
  });

  it('chains the manifest history: t1 = SHA-256(SHA-256(m1) ‖ 0³²), t2 = SHA-256(SHA-256(m2) ‖ t1)', async () => {
    const h = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', b as BufferSource));
    const m1 = utf8('{"a":1}');
    const m2 = utf8('{"a":2}');
    const t1 = await h(new Uint8Array([...(await h(m1)), ...new Uint8Array(32)]));
    const t2 = await h(new Uint8Array([...(await h(m2)), ...t1]));
    expect(toHex(await transitionDigest([m1]))).toBe(toHex(t1));
    expect(toHex(await transitionDigest([m1, m2]))).toBe(toHex(t2));
  });
});

describe('Privatemode provider', () => {
  it('verifies the coordinator against the published manifest and names the manifest as the identity', async () => {
    const a = await privatemodeProvider.attest(ctx());
    expect(a.checks.filter((c) => !c.passed)).toEqual([]);
    expect(a.ok).toBe(true);
    expect(a.identity?.kind).toBe('manifest-sha256');
    const manifest = new Uint8Array(await (await fetch(`${pm.url}/manifest.json`)).arrayBuffer());
    expect(a.identity?.value).toBe(toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', manifest))));
    expect(a.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['privatemode.manifest', 'snp.report.signature', 'snp.policy.REPORT_DATA', 'privatemode.HOST_DATA', 'privatemode.MEASUREMENT', 'privatemode.ID_KEY_DIGEST', 'privatemode.TCB', 'privatemode.CHIP_ID', 'privatemode.POLICY', 'privatemode.PLATFORM_INFO']),
    );
    expect(a.checks.find((c) => c.id === 'privatemode.MEASUREMENT')?.detail).toMatch(/for 4 vCPUs/);
  });

  it('exchanges a secret and streams a field-encrypted answer', async () => {
    const a = await privatemodeProvider.attest(ctx());
    const { text, deltas } = await collect(privatemodeProvider.chat(a.session!, ask('Hello Privatemode'), { apiKey: API_KEY, fetch }));
    expect(text).toBe('You said: Hello Privatemode');
    expect(deltas.at(-1)).toMatchObject({ finishReason: 'stop' });
    const seen = (await (await fetch(`${pm.url}/__received`)).json()) as { messages: { content: string }[]; model: string }[];
    expect(seen.at(-1)).toMatchObject({ model: 'gpt-oss-120b', messages: [{ content: 'Hello Privatemode' }] });
  });

  it('never puts the question or the answer on the wire in clear', async () => {
    const rec = await startRecorder(pm.url);
    try {
      const a = await privatemodeProvider.attest(ctx(rec.url));
      const { text } = await collect(privatemodeProvider.chat(a.session!, ask('the launch code is 0000'), { apiKey: API_KEY, fetch }));
      expect(text).toContain('launch code');
      const wire = Buffer.concat([rec.sent(), rec.received()]).toString('latin1');
      expect(wire).not.toContain('launch code');
      expect(wire).not.toContain('You said');
      expect(rec.sent().toString('latin1')).toMatch(/privatemode-secret-id: /i);
    } finally {
      await rec.close();
    }
  });

  it('fails under the production policy, and when the published manifest is not the one deployed', async () => {
    const prod = await privatemodeProvider.attest(ctx(pm.url, { policy: parsePolicy({}) }));
    expect(prod.ok).toBe(false);
    expect(prod.checks.filter((c) => !c.passed).map((c) => c.id)).toContain('snp.chain.ark');
    // A CDN that serves an older manifest than the coordinator runs.
    const old = new Uint8Array(await (await fetch(`${pm.url}/manifest.json`)).arrayBuffer());
    await fetch(`${pm.url}/__manifest`, { method: 'POST' });
    const f = async (input: RequestInfo | URL, init?: RequestInit) => (String(input).endsWith('/manifest.json') ? new Response(old as BodyInit) : fetch(input, init));
    const stale = await privatemodeProvider.attest(ctx(pm.url, { fetch: f as typeof fetch }));
    expect(stale.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['privatemode.manifest']);
    // After the update, the new manifest verifies and is a new identity (the gate's change alert).
    const updated = await privatemodeProvider.attest(ctx());
    expect(updated.ok).toBe(true);
    expect(updated.identity?.value).not.toBe(toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', old))));
  });

  it('refuses a tampered attestation: REPORT_DATA bound to another nonce, a report that is not the coordinator', async () => {
    // Replay: answer this attest with a document made for another nonce.
    const other = await (await fetch(`${pm.url}/privatemode/v1/attest`, { method: 'POST', body: JSON.stringify({ Nonce: Buffer.alloc(32, 7).toString('base64') }) })).json();
    const replay = async (input: RequestInfo | URL, init?: RequestInit) => (String(input).endsWith('/privatemode/v1/attest') ? Response.json(other) : fetch(input, init));
    const r = await privatemodeProvider.attest(ctx(pm.url, { fetch: replay as typeof fetch }));
    expect(r.ok).toBe(false);
    expect(r.checks.filter((c) => !c.passed).map((c) => c.id)).toEqual(['snp.policy.REPORT_DATA']);
  });

  it('maps a wrong API key to E_UNAUTHORIZED and refuses a forged session', async () => {
    const a = await privatemodeProvider.attest(ctx());
    expect((await failure(collect(privatemodeProvider.chat(a.session!, ask('hi'), { apiKey: 'wrong', fetch })))).code).toBe('E_UNAUTHORIZED');
    expect((await failure(collect(privatemodeProvider.chat({ ...a.session! }, ask('hi'), { apiKey: API_KEY, fetch })))).code).toBe('E_NOT_ATTESTED');
  });
});

describe('field-level encryption', () => {
  it('encrypts every field but the routing ones, in sorted order, and opens only in order under the same nonce', async () => {
    const secret = new Uint8Array(32).fill(9);
    const nonce = new Uint8Array(12).fill(1);
    const client = await FieldCipher.create(secret, 'sid', nonce);
    const body = JSON.parse(await client.encryptRequest({ stream: true, model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0.5 })) as Record<string, string>;
    expect(body.model).toBe('m');
    expect(body.stream).toBe(true);
    expect(body.messages).toMatch(/^sid:(01){12}:[0-9a-f]{24}:[0-9a-f]+$/);
    const server = await FieldCipher.create(secret, 'sid', nonce);
    expect(JSON.parse(await server.decrypt(body.messages!))).toEqual([{ role: 'user', content: 'x' }]); // "messages" < "temperature": sequence 0
    expect(JSON.parse(await server.decrypt(body.temperature!))).toBe(0.5);
    const swapped = await FieldCipher.create(secret, 'sid', nonce);
    await expect(swapped.decrypt(body.temperature!)).rejects.toMatchObject({ code: 'E_CHANNEL' });
    const other = await FieldCipher.create(secret, 'sid', new Uint8Array(12).fill(2));
    await expect(other.decrypt(body.messages!)).rejects.toMatchObject({ code: 'E_CHANNEL' });
    await expect(client.decryptResponse('{"id":"x","choices":[]}')).rejects.toThrow(/arrived unencrypted/);
  });
});

describe('parsers name the field that is wrong', () => {
  it('manifest', () => {
    const cases: [unknown, RegExp][] = [
      [[], /^manifest: want a JSON object/],
      [{}, /manifest\.Policies: missing/],
      [{ Policies: { ab: {} } }, /a policy hash is 64 hex digits/],
      [{ Policies: { ['a'.repeat(64)]: { Role: 'worker' } } }, /no policy has the role "coordinator"/],
      [{ Policies: { ['a'.repeat(64)]: { Role: 'coordinator' } }, ReferenceValues: { snp: [{ ProductName: 'Naples' }] } }, /snp\[0\]\.ProductName: got "Naples"/],
      [{ Policies: { ['a'.repeat(64)]: { Role: 'coordinator' } }, ReferenceValues: { snp: [] } }, /no SEV-SNP reference values/],
    ];
    for (const [m, want] of cases) expect(() => parseManifest(utf8(JSON.stringify(m)))).toThrow(want);
  });

  it('attestation document', () => {
    const doc = (o: Record<string, unknown>) => utf8(JSON.stringify({ manifests: ['e30='], root_ca: '', mesh_ca: '', raw_attestation_doc: '', ...o }));
    expect(() => parseContrastAttestation(utf8('nope'))).toThrow(/AttestationDoc: is not UTF-8 JSON/);
    expect(() => parseContrastAttestation(doc({ manifests: [] }))).toThrow(/manifests: empty/);
    expect(() => parseContrastAttestation(doc({ attestation_type: [1, 3, 9901, 2, 2] }))).toThrow(/attestation_type: got 1\.3\.9901\.2\.2/);
    expect(() => parseContrastAttestation(doc({ raw_attestation_doc: Buffer.from([0x0a, 0x05, 0x08]).toString('base64') }))).toThrow(/raw_attestation_doc/);
    expect(() => parseContrastAttestation(doc({ raw_attestation_doc: Buffer.from([0x12, 0x00]).toString('base64') }))).toThrow(/raw_attestation_doc\.report: missing/);
  });
});

describe('Contrast ID key', () => {
  it('is the key the fixed signature (r = 2, s = 1) over the ID block recovers to, the smaller of the two', async () => {
    const { p384 } = await import('@noble/curves/nist.js');
    const { idBlock, contrastIdKeyDigest } = await import('../../src/core/providers/privatemode/idblock.ts');
    const ld = new Uint8Array(48).fill(0x5a);
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-384', idBlock(ld, 0x30000n) as BufferSource));
    const sig = new Uint8Array(96);
    sig[47] = 2;
    sig[95] = 1;
    const keys = [0, 1].map((b) => p384.Signature.fromBytes(sig, 'compact').addRecoveryBit(b).recoverPublicKey(hash));
    for (const k of keys) expect(p384.verify(sig, hash, k.toBytes(false), { prehash: false, lowS: false })).toBe(true);
    const first = keys.map((k) => k.toAffine()).sort((a, b) => (a.x < b.x ? -1 : 1))[0]!;
    const le = (n: bigint) => Uint8Array.from({ length: 48 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    const idKey = new Uint8Array(0x404);
    idKey[0] = 2;
    idKey.set(le(first.x), 4);
    idKey.set(le(first.y), 0x4c);
    expect(toHex(await contrastIdKeyDigest(ld, 0x30000n))).toBe(toHex(new Uint8Array(await crypto.subtle.digest('SHA-384', idKey))));
    expect(toHex(await contrastIdKeyDigest(ld, 0x30000n))).not.toBe(toHex(await contrastIdKeyDigest(ld, 0x70000n)));
  });
});
