/**
 * The Tinfoil provider against the Tinfoil stand-in (tests/stand-ins/tinfoil.ts, a real server
 * process speaking the published protocol, with a development-signed report): attest, stream a
 * sealed answer, refuse what must be refused, and show on the wire that the question never
 * travels in clear.
 */
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/core/attest/policy.ts';
import type { ChatDelta } from '../../src/core/channel/openai.ts';
import { parseTinfoilAttestation, tinfoilProvider } from '../../src/core/providers/tinfoil.ts';
import type { AttestContext } from '../../src/core/providers/types.ts';
import type { GatewayProfile } from '../../src/core/settings/settings.ts';
import { failure, question as ask } from '../helpers/gateway-fixture.ts';
import { startListening, startStandIn, type Running } from '../helpers/processes.ts';
import { startRecorder } from '../helpers/tcp-recorder.ts';

const API_KEY = 'tf-test-key';
const MEASUREMENT = 'ab'.repeat(48);
let upstream: Running;
let enclave: Running;

function profile(url: string, development = true): GatewayProfile {
  return { id: '0123456789abcdef', provider: 'tinfoil', label: 'Tinfoil', url, development, trust: { kind: 'none' }, allowUnknownSoftware: false };
}
function ctx(url: string, over: Partial<AttestContext> = {}): AttestContext {
  return { profile: profile(url), policy: parsePolicy({ allowSimulated: true }), fetch, now: new Date(), endpoints: { kds: enclave.url, githubApi: 'http://127.0.0.1:9' }, ...over };
}
async function collect(gen: AsyncIterable<ChatDelta>): Promise<{ text: string; deltas: ChatDelta[] }> {
  const deltas: ChatDelta[] = [];
  for await (const d of gen) deltas.push(d);
  return { text: deltas.map((d) => d.content ?? '').join(''), deltas };
}

beforeAll(async () => {
  upstream = await startStandIn();
  enclave = await startListening('tests/stand-ins/tinfoil.ts', ['--port', '0', '--upstream', upstream.url, '--api-key', API_KEY, '--measurement', MEASUREMENT]);
}, 60_000);
afterAll(async () => {
  await enclave?.stop();
  await upstream?.stop();
});

describe('Tinfoil provider', () => {
  it('verifies the enclave report with the VCEK from KDS and takes the HPKE key from REPORT_DATA[32:64]', async () => {
    const a = await tinfoilProvider.attest(ctx(enclave.url));
    expect(a.checks.filter((c) => !c.passed)).toEqual([]);
    expect(a.ok).toBe(true);
    expect(a.simulated).toBe(true);
    expect(a.identity).toEqual({ kind: 'snp-measurement', value: MEASUREMENT });
    expect(a.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['snp.report.signature', 'tinfoil.REPORT_DATA.hpke', 'tinfoil.freshness', 'evidence.simulated']));
    expect(a.session).toMatchObject({ provider: 'tinfoil', model: 'gpt-oss-120b', simulated: true });
    expect(a.proven.join(' ')).toMatch(/sealed \(HPKE, EHBP\)/);
  });

  it('streams a sealed answer, complete only with its end marker', async () => {
    const a = await tinfoilProvider.attest(ctx(enclave.url));
    const { text, deltas } = await collect(tinfoilProvider.chat(a.session!, ask('Hello from the panel'), { apiKey: API_KEY, fetch }));
    expect(text).toBe('You said: Hello from the panel');
    expect(deltas.some((d) => d.reasoning)).toBe(true);
    expect(deltas.at(-1)).toMatchObject({ finishReason: 'stop', usage: { total_tokens: expect.any(Number) } });
  });

  it('never puts the question on the wire in clear (the API key travels in a header, under TLS in production)', async () => {
    const rec = await startRecorder(enclave.url);
    try {
      const a = await tinfoilProvider.attest(ctx(rec.url, { endpoints: { kds: rec.url, githubApi: 'http://127.0.0.1:9' } }));
      const secret = 'my bank password is hunter2';
      const { text } = await collect(tinfoilProvider.chat(a.session!, ask(secret), { apiKey: API_KEY, fetch }));
      expect(text).toContain(secret);
      const wire = Buffer.concat([rec.sent(), rec.received()]).toString('latin1');
      expect(wire).not.toContain('hunter2');
      expect(wire).not.toContain('You said');
      expect(rec.sent().toString('latin1')).toMatch(/ehbp-encapsulated-key: [0-9a-f]{64}/i);
    } finally {
      await rec.close();
    }
  });

  it('under the production policy the development-signed report fails, naming the chain', async () => {
    const a = await tinfoilProvider.attest(ctx(enclave.url, { policy: parsePolicy({}) }));
    expect(a.ok).toBe(false);
    expect(a.session).toBeNull();
    expect(a.checks.filter((c) => !c.passed).map((c) => c.id)).toContain('snp.chain.ark');
  });

  it('refuses plain http for a profile that is not a development stand-in', async () => {
    const e = await failure(tinfoilProvider.attest(ctx(enclave.url, { profile: profile(enclave.url, false), policy: parsePolicy({}) })));
    expect(e.code).toBe('E_BAD_REQUEST');
    expect(e.message).toMatch(/https/);
  });

  it('maps a wrong API key to E_UNAUTHORIZED (sealed), and a restarted enclave to E_KEY_EXPIRED', async () => {
    const a = await tinfoilProvider.attest(ctx(enclave.url));
    const bad = await failure(collect(tinfoilProvider.chat(a.session!, ask('hi'), { apiKey: 'wrong', fetch })));
    expect(bad.code).toBe('E_UNAUTHORIZED');
    expect(bad.detail).toMatchObject({ status: 401, authenticated: true });
    await fetch(`${enclave.url}/__restart`, { method: 'POST' });
    const stale = await failure(collect(tinfoilProvider.chat(a.session!, ask('hi'), { apiKey: API_KEY, fetch })));
    expect(stale.code).toBe('E_KEY_EXPIRED');
    const fresh = await tinfoilProvider.attest(ctx(enclave.url));
    expect((await collect(tinfoilProvider.chat(fresh.session!, ask('again'), { apiKey: API_KEY, fetch }))).text).toBe('You said: again');
  });

  it('refuses a forged session and detects a tampered or truncated answer', async () => {
    const a = await tinfoilProvider.attest(ctx(enclave.url));
    const forged = { ...a.session! };
    expect((await failure(collect(tinfoilProvider.chat(forged, ask('hi'), { apiKey: API_KEY, fetch })))).code).toBe('E_NOT_ATTESTED');

    // A man in the middle that flips one byte of the sealed body, or stops it early.
    const mitm = (mode: 'flip' | 'cut'): Promise<Server> =>
      new Promise((resolve) => {
        const s = createServer(async (req, res) => {
          const body = await new Promise<Buffer>((r) => {
            const parts: Buffer[] = [];
            req.on('data', (c: Buffer) => parts.push(c)).on('end', () => r(Buffer.concat(parts)));
          });
          const up = await fetch(`${enclave.url}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: body.length ? body : undefined, duplex: 'half' } as RequestInit);
          const bytes = Buffer.from(await up.arrayBuffer());
          const chat = req.url === '/v1/chat/completions';
          if (chat && mode === 'flip') bytes[bytes.length - 5]! ^= 1;
          const headers: Record<string, string> = {};
          up.headers.forEach((v, k) => (k === 'content-length' || k === 'transfer-encoding' ? null : (headers[k] = v)));
          res.writeHead(up.status, headers);
          res.end(chat && mode === 'cut' ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes);
        }).listen(0, '127.0.0.1', () => resolve(s));
      });
    for (const [mode, reason] of [['flip', 'tag'], ['cut', 'truncated']] as const) {
      const s = await mitm(mode);
      const port = (s.address() as { port: number }).port;
      try {
        const session = (await tinfoilProvider.attest(ctx(`http://127.0.0.1:${port}`))).session!;
        const e = await failure(collect(tinfoilProvider.chat(session, ask('a longer question for several chunks'), { apiKey: API_KEY, fetch })));
        expect([e.code, (e.detail as { reason?: string })?.reason]).toEqual(['E_CHANNEL', reason]);
      } finally {
        s.close();
      }
    }
  });
});

describe('parseTinfoilAttestation', () => {
  const good = { format: 'https://tinfoil.sh/predicate/sev-snp-guest/v2', body: gzipSync(new Uint8Array(1184)).toString('base64') };
  it('accepts a gzip’d 1184-byte report and names what is wrong otherwise', async () => {
    expect((await parseTinfoilAttestation(good)).report.length).toBe(1184);
    const cases: [unknown, RegExp][] = [
      [null, /^attestation: want a JSON object/],
      [{ ...good, format: 'https://tinfoil.sh/predicate/tdx-guest/v2' }, /attestation\.format: got .*tdx-guest.*want .*sev-snp-guest\/v2/],
      [{ ...good, body: 'not base64!' }, /attestation\.body/],
      [{ ...good, body: Buffer.from('plain').toString('base64') }, /attestation\.body: is not valid gzip data/],
      [{ ...good, body: gzipSync(new Uint8Array(100)).toString('base64') }, /decompresses to 100 bytes, want a 1184-byte/],
      [{ ...good, body: gzipSync(new Uint8Array(1 << 20)).toString('base64') }, /more than 8192 bytes/],
    ];
    for (const [doc, want] of cases) await expect(parseTinfoilAttestation(doc)).rejects.toThrow(want);
  });
});
