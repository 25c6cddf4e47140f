/**
 * Tinfoil (tinfoil.sh): an enclave publishes one SEV-SNP report, made when it started, at
 * `/.well-known/tinfoil-attestation` as `{format, body}` with `body` = base64(gzip(report)). Its
 * REPORT_DATA holds SHA-256 of the enclave's TLS public key (bytes 0–31) and the X25519 HPKE public
 * key of its Encrypted HTTP Body Protocol (bytes 32–63). The VCEK comes from AMD's KDS.
 *
 * A browser cannot pin TLS, so requests go with EHBP (the `ehbp` package, MIT; protocol in
 * tinfoilsh/encrypted-http-body-protocol SPEC.md): the body is sealed with HPKE to the attested key
 * and the answer is sealed back under keys only this request can derive. Headers (the API key
 * among them) are not sealed by EHBP; they travel under TLS, which is why http is refused here.
 *
 * Which software the enclave runs is the gate's business: the MEASUREMENT is appraised against the
 * profile's trust source, by default the signed releases of tinfoilsh/confidential-model-router.
 */
import { Identity } from 'ehbp';
import { parseReport, REPORT_SIZE } from '../attest/sevsnp/abi.ts';
import { fetchVcek } from '../attest/sevsnp/kds.ts';
import type { Check } from '../attest/types.ts';
import { concatBytes, fromBase64, isAllZero, sha256, toBase64, toHex } from '../bytes.ts';
import { openAiDeltas, openAiPayload, sseData, type ChatDelta } from '../channel/openai.ts';
import type { ChatRequestBody } from '../channel/request.ts';
import { ConfidantError, ParseError } from '../errors.ts';
import { claimsView } from './claims.ts';
import { MAX_VERDICT_MS } from './confidant.ts';
import { httpError, providerBaseUrl, providerFetch } from './http.ts';
import { verifyEndpointSnp } from './snp.ts';
import type { Attested, AttestContext, ChatOptions, Provider, ProviderSession } from './types.ts';

export const TINFOIL_SEV_FORMAT = 'https://tinfoil.sh/predicate/sev-snp-guest/v2';
export const TINFOIL_MODEL = 'gpt-oss-120b';
export const TINFOIL_ATTESTATION_PATH = '/.well-known/tinfoil-attestation';
const WHO = 'The Tinfoil enclave';
/** A gzip'd report is about 1 KiB; anything far larger is not one. */
const MAX_BODY_CHARS = 64 * 1024;

/** Gunzips with the platform's DecompressionStream, refusing output beyond `limit` bytes. */
export async function gunzip(data: Uint8Array, limit: number, field: string): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) throw new ParseError(field, `decompresses to more than ${limit} bytes`);
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof ParseError) throw e;
    throw new ParseError(field, 'is not valid gzip data');
  } finally {
    await reader.cancel().catch(() => {});
  }
  return concatBytes(parts);
}

/** `{format, body}` → the raw report bytes. Throws ParseError naming the field. */
export async function parseTinfoilAttestation(doc: unknown): Promise<{ format: string; report: Uint8Array; body: string }> {
  if (typeof doc !== 'object' || doc === null) throw new ParseError('attestation', 'want a JSON object {format, body}');
  const { format, body } = doc as { format?: unknown; body?: unknown };
  if (typeof format !== 'string') throw new ParseError('attestation.format', 'missing');
  if (format !== TINFOIL_SEV_FORMAT) {
    throw new ParseError('attestation.format', `got ${JSON.stringify(format).slice(0, 80)}, want ${TINFOIL_SEV_FORMAT} (this version verifies AMD SEV-SNP enclaves only)`);
  }
  if (typeof body !== 'string' || body.length === 0) throw new ParseError('attestation.body', 'missing');
  if (body.length > MAX_BODY_CHARS) throw new ParseError('attestation.body', `${body.length} characters; a gzip'd report is about 1,500`);
  const report = await gunzip(fromBase64(body, 'attestation.body'), 8192, 'attestation.body');
  if (report.length !== REPORT_SIZE) throw new ParseError('attestation.body', `decompresses to ${report.length} bytes, want a ${REPORT_SIZE}-byte SEV-SNP report`);
  return { format, report, body };
}

export interface TinfoilSession extends ProviderSession {
  readonly provider: 'tinfoil';
  readonly url: string;
  /** The X25519 public key (hex) REPORT_DATA[32:64] holds. */
  readonly hpkeKey: string;
}

const issued = new WeakSet<object>();

function pass(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: true, detail, ...extra };
}
function fail(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: false, detail, ...extra };
}

async function getAttestation(ctx: AttestContext, base: string): Promise<unknown> {
  const res = await providerFetch(ctx.fetch, `${base}${TINFOIL_ATTESTATION_PATH}`, { headers: { accept: 'application/json' }, ...(ctx.signal ? { signal: ctx.signal } : {}) }, WHO);
  if (res.status === 404 || res.status === 405) {
    await res.body?.cancel().catch(() => {});
    throw new ConfidantError('E_NOT_A_GATEWAY', `${new URL(base).origin} answered HTTP ${res.status} for ${TINFOIL_ATTESTATION_PATH}: it is not a Tinfoil enclave.`, { status: res.status });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw httpError(res, WHO, false);
  }
  try {
    return await res.json();
  } catch {
    throw new ConfidantError('E_NOT_A_GATEWAY', `${new URL(base).origin} did not answer ${TINFOIL_ATTESTATION_PATH} with JSON: it is not a Tinfoil enclave.`);
  }
}

export const tinfoilProvider: Provider = {
  kind: 'tinfoil',

  async attest(ctx: AttestContext): Promise<Attested> {
    const base = providerBaseUrl(ctx.profile.url, ctx.profile.development, WHO);
    const doc = await parseTinfoilAttestation(await getAttestation(ctx, base));
    const report = parseReport(doc.report);
    const vcek = await fetchVcek(report, { fetch: ctx.fetch, kds: ctx.endpoints.kds, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    const snp = await verifyEndpointSnp({ report: doc.report, vcek: vcek.der }, ctx.policy, {
      now: ctx.now,
      fetch: ctx.fetch,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      gpuNote: 'The browser receives no GPU evidence from Tinfoil: the enclave attests its GPU with code the MEASUREMENT covers.',
    });
    const tlsKeyFingerprint = toHex(report.REPORT_DATA.subarray(0, 32));
    const hpke = report.REPORT_DATA.subarray(32, 64);
    const hpkeCheck = isAllZero(hpke)
      ? fail('tinfoil.REPORT_DATA.hpke', 'REPORT_DATA[32:64] holds no HPKE key: this enclave offers TLS pinning only, which a browser cannot do', { field: 'REPORT_DATA', got: '00…00', want: 'an X25519 public key' })
      : pass('tinfoil.REPORT_DATA.hpke', `REPORT_DATA[32:64] is the enclave's HPKE key ${toHex(hpke).slice(0, 16)}…; requests are sealed to it (EHBP)`, { field: 'REPORT_DATA', got: toHex(hpke) });
    const freshness = pass('tinfoil.freshness', 'The report was made when the enclave started; it answers no nonce of yours. What ties it to now: only that enclave holds the private key your requests are sealed to.');
    const checks = [...snp.checks, hpkeCheck, freshness];
    const ok = checks.every((c) => c.passed);
    const notAfter = new Date(ctx.now.getTime() + MAX_VERDICT_MS);
    const keyId = `hpke:${toHex(await sha256(hpke)).slice(0, 16)}`;
    let session: TinfoilSession | null = null;
    if (ok) {
      session = Object.freeze({ provider: 'tinfoil' as const, keyId, expiresAt: notAfter, model: TINFOIL_MODEL, simulated: snp.simulated, url: base, hpkeKey: toHex(hpke) });
      issued.add(session);
    }
    const claims = claimsView(snp.claims);
    const by = snp.simulated ? 'signed by development keys (a stand-in, this machine only)' : 'signed by AMD';
    return {
      ok,
      checks,
      claims,
      identity: snp.claims.measurement ? { kind: 'snp-measurement', value: snp.claims.measurement } : null,
      simulated: snp.simulated,
      expiresAt: notAfter,
      session,
      proven: [
        `The enclave is an AMD SEV-SNP confidential VM: its report is ${by}${claims.product ? ` (${claims.product})` : ''} and was checked in your browser.`,
        'Your question is sealed (HPKE, EHBP) to the key the report names; only that enclave can open it. Headers, your API key among them, travel under TLS.',
        'The report dates from the enclave’s start and answers no nonce of yours: freshness rests on that key.',
        'The GPU is not attested to your browser: Tinfoil’s enclave checks it with code its measurement covers.',
      ],
      protocol: 'Tinfoil EHBP (HPKE X25519, bodies sealed)',
      keyId,
      model: TINFOIL_MODEL,
      transcript: { tinfoil: { format: doc.format, body: doc.body, vcek: toBase64(vcek.der), vcekUrl: vcek.url, tlsKeyFingerprint } },
    };
  },

  async *chat(session: ProviderSession, request: ChatRequestBody, opts: ChatOptions): AsyncGenerator<ChatDelta, void, undefined> {
    if (!issued.has(session)) throw new ConfidantError('E_NOT_ATTESTED', 'Refusing to send: this session did not come from a passing attestation of a Tinfoil enclave.');
    const s = session as TinfoilSession;
    if ((opts.now?.() ?? new Date()).getTime() >= s.expiresAt.getTime()) throw new ConfidantError('E_KEY_EXPIRED', 'The attestation is too old; attesting again.', { keyId: s.keyId });
    const identity = await Identity.fromPublicKeyHex(s.hpkeKey);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    const plain = new Request(`${s.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(openAiPayload(request, s.model)) });
    const { request: sealed, context } = await identity.encryptRequestWithContext(plain);
    if (!context) throw new ConfidantError('E_INTERNAL', 'EHBP did not seal the request body.');
    const res = await providerFetch(opts.fetch, sealed, { ...(opts.signal ? { signal: opts.signal } : {}) }, WHO);
    if (!res.headers.get('Ehbp-Response-Nonce')) {
      // Not sealed: an intermediary's error (untrusted), or a body-substitution attempt on a success.
      await res.body?.cancel().catch(() => {});
      if (res.ok) throw new ConfidantError('E_CHANNEL', 'The enclave answered without sealing its answer.', { reason: 'unsealed' });
      if (res.status === 422) throw new ConfidantError('E_KEY_EXPIRED', 'The enclave no longer holds the attested key; attesting again.', { status: 422 });
      throw httpError(res, WHO, false);
    }
    let opened: Response;
    try {
      opened = await identity.decryptResponseWithContext(res, context);
    } catch {
      throw new ConfidantError('E_CHANNEL', 'The enclave’s answer could not be opened.', { reason: 'nonce' });
    }
    if (!opened.ok) {
      await opened.body?.cancel().catch(() => {});
      throw httpError(opened, WHO, true);
    }
    if (!opened.body) throw new ConfidantError('E_CHANNEL', 'The sealed answer has no body.', { reason: 'truncated' });
    const reading = (async function* () {
      try {
        yield* sseData(opened.body!);
      } catch (e) {
        if (opts.signal?.aborted) throw new ConfidantError('E_ABORTED', 'The operation was stopped.');
        const name = (e as { name?: string })?.name;
        if (name === 'DecryptionError') throw new ConfidantError('E_CHANNEL', 'A sealed part of the answer failed authentication (tampered or reordered).', { reason: 'tag' });
        throw new ConfidantError('E_NETWORK', 'The connection to the enclave broke mid-answer.');
      }
    })();
    yield* openAiDeltas(reading);
  },
};
