/**
 * Privatemode (privatemode.ai, Edgeless Systems): a Contrast deployment whose coordinator attests
 * the whole deployment. In the browser, as Privatemode's own MIT client does it in Go:
 *
 *  1. fetch the published manifest (profile.manifestUrl) — not signed, so its SHA-256 is the
 *     software identity the trust source pins (first use, or a pinned value); a change is the gate's
 *     blocking alert;
 *  2. POST /privatemode/v1/attest {"Nonce"} → the coordinator's Contrast attestation: its SEV-SNP
 *     report (verified here: AMD chain, signature, policy), REPORT_DATA binding this nonce, the
 *     manifest history and the root and mesh CAs (attestation.ts); the latest manifest must be
 *     byte-equal to the published one; HOST_DATA must be the manifest's coordinator policy hash;
 *     the report must meet the manifest's SEV-SNP reference values (reference.ts);
 *  3. exchange an inference secret with the secret service, whose certificate the attested mesh CA
 *     must have issued (secret.ts), and encrypt requests field by field under it (fields.ts).
 *
 * What the browser cannot see: the GPUs. Privatemode's workers attest them inside the deployment,
 * with code the manifest pins, under the OCSP policy the client sends (only "good" here).
 */
import { parseReport, reportProduct, tcbLayoutProduct } from '../../attest/sevsnp/abi.ts';
import { fetchVcek } from '../../attest/sevsnp/kds.ts';
import { PemConverter } from '../../attest/x509/peculiar.ts';
import type { Check } from '../../attest/types.ts';
import { bytesEqual, fromBase64, randomBytes, sha256, toBase64, toHex, utf8 } from '../../bytes.ts';
import { openAiDeltas, openAiPayload, sseData, type ChatDelta } from '../../channel/openai.ts';
import type { ChatRequestBody } from '../../channel/request.ts';
import { ConfidantError, ParseError } from '../../errors.ts';
import { PROVIDER_DEFAULTS } from '../../settings/settings.ts';
import { claimsView } from '../claims.ts';
import { MAX_VERDICT_MS } from '../confidant.ts';
import { httpError, providerBaseUrl, providerFetch } from '../http.ts';
import { verifyEndpointSnp } from '../snp.ts';
import type { Attested, AttestContext, ChatOptions, Provider, ProviderSession } from '../types.ts';
import { contrastReportData, parseContrastAttestation, transitionDigest } from './attestation.ts';
import { FieldCipher } from './fields.ts';
import { parseManifest } from './manifest.ts';
import { appraiseAgainstManifest } from './reference.ts';
import { exchangeSecret, type InferenceSecret } from './secret.ts';

/** The Privatemode client API version this implementation follows (privatemode-public v1.40.0). */
export const PRIVATEMODE_API_VERSION = 'v1.40.0';
export const PRIVATEMODE_MODEL = 'gpt-oss-120b';
const WHO = 'Privatemode';
const MAX_MANIFEST_BYTES = 1 << 20;
const MAX_DOC_CHARS = 4 << 20;

export interface PrivatemodeSession extends ProviderSession {
  readonly provider: 'privatemode';
  readonly base: string;
  readonly meshCaPem: string;
  readonly manifestSha256: string;
}

const issued = new WeakSet<object>();
/** The inference secret of each session, exchanged at its first request. */
const secrets = new WeakMap<object, InferenceSecret>();

function pass(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: true, detail, ...extra };
}
function fail(id: string, detail: string, extra: Partial<Check> = {}): Check {
  return { id, passed: false, detail, ...extra };
}

function staticHeaders(): Record<string, string> {
  return { 'Privatemode-Version': PRIVATEMODE_API_VERSION, 'Privatemode-Client': 'SDK' };
}

async function fetchManifest(ctx: AttestContext): Promise<{ bytes: Uint8Array; url: string }> {
  const url = providerBaseUrl(ctx.profile.manifestUrl ?? PROVIDER_DEFAULTS.privatemode.manifestUrl!, ctx.profile.development, 'The Privatemode manifest');
  const res = await providerFetch(ctx.fetch, url, { headers: { accept: 'application/json' }, ...(ctx.signal ? { signal: ctx.signal } : {}) }, 'The Privatemode manifest');
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new ConfidantError('E_NETWORK', `The Privatemode manifest (${new URL(url).origin}) answered HTTP ${res.status}.`, { status: res.status });
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > MAX_MANIFEST_BYTES) throw new ParseError('manifest', `${bytes.length} bytes; a manifest is far smaller`);
  return { bytes, url };
}

async function fetchAttestation(ctx: AttestContext, base: string, nonce: Uint8Array): Promise<{ doc: Uint8Array; text: string }> {
  const headers: Record<string, string> = { ...staticHeaders(), 'content-type': 'application/json', accept: 'application/json' };
  if (ctx.apiKey) headers.authorization = `Bearer ${ctx.apiKey}`;
  const res = await providerFetch(ctx.fetch, `${base}/privatemode/v1/attest`, { method: 'POST', headers, body: JSON.stringify({ Nonce: toBase64(nonce) }), ...(ctx.signal ? { signal: ctx.signal } : {}) }, WHO);
  if (res.status === 404 || res.status === 405) {
    await res.body?.cancel().catch(() => {});
    throw new ConfidantError('E_NOT_A_GATEWAY', `${new URL(base).origin} answered HTTP ${res.status} for /privatemode/v1/attest: it is not the Privatemode API.`, { status: res.status });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw httpError(res, WHO, false);
  }
  let body: { AttestationDoc?: unknown };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ConfidantError('E_NOT_A_GATEWAY', `${new URL(base).origin} did not answer /privatemode/v1/attest with JSON: it is not the Privatemode API.`);
  }
  if (typeof body.AttestationDoc !== 'string') throw new ParseError('AttestationDoc', 'missing');
  if (body.AttestationDoc.length > MAX_DOC_CHARS) throw new ParseError('AttestationDoc', 'larger than 4 MiB');
  return { doc: fromBase64(body.AttestationDoc, 'AttestationDoc'), text: body.AttestationDoc };
}

const pem = (der: Uint8Array) => PemConverter.encode(der as unknown as ArrayBuffer, 'CERTIFICATE');

export const privatemodeProvider: Provider = {
  kind: 'privatemode',

  async attest(ctx: AttestContext): Promise<Attested> {
    const base = providerBaseUrl(ctx.profile.url, ctx.profile.development, WHO);
    const published = await fetchManifest(ctx);
    const manifest = parseManifest(published.bytes);
    const manifestSha256 = toHex(await sha256(published.bytes));
    const nonce = randomBytes(32);
    const fetched = await fetchAttestation(ctx, base, nonce);
    const att = parseContrastAttestation(fetched.doc);

    const latest = att.manifests[att.manifests.length - 1]!;
    const manifestCheck = bytesEqual(latest, published.bytes)
      ? pass('privatemode.manifest', `the coordinator runs the published manifest (SHA-256 ${manifestSha256.slice(0, 16)}…), the latest of ${att.manifests.length} in its history`, { got: manifestSha256 })
      : fail('privatemode.manifest', 'the coordinator runs another manifest than the one published', { got: toHex(await sha256(latest)), want: manifestSha256 });

    const report = parseReport(att.snp.report);
    const vcekDer = att.snp.vcek ?? att.snp.vlek ?? (await fetchVcek(report, { fetch: ctx.fetch, kds: ctx.endpoints.kds, ...(ctx.signal ? { signal: ctx.signal } : {}), ...(att.snp.product ? { candidates: [att.snp.product] } : {}) })).der;
    const chain = att.snp.ask && att.snp.ark ? `${pem(att.snp.ask)}\n${pem(att.snp.ark)}` : undefined;
    const reportData = await contrastReportData(nonce, await transitionDigest(att.manifests), att.rootCa, att.meshCa);
    const snp = await verifyEndpointSnp({ report: att.snp.report, vcek: vcekDer, ...(chain ? { certChain: chain } : {}) }, ctx.policy, {
      now: ctx.now,
      fetch: ctx.fetch,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      extra: { reportData, vmpls: [0] },
      nonce: toHex(nonce),
      gpuNote: 'The browser receives no GPU evidence from Privatemode: its workers attest their GPUs inside the deployment, with code the manifest pins, under the OCSP policy this client sends.',
    });

    const hostData = toHex(report.HOST_DATA);
    const hostCheck = manifest.coordinatorPolicyHashes.includes(hostData)
      ? pass('privatemode.HOST_DATA', 'HOST_DATA is the manifest’s coordinator policy hash: the coordinator runs the pinned policy', { field: 'HOST_DATA', got: hostData })
      : fail('privatemode.HOST_DATA', 'HOST_DATA is not a coordinator policy hash of the manifest', { field: 'HOST_DATA', got: hostData, want: manifest.coordinatorPolicyHashes.join(' | ') });
    const product = reportProduct(report) ?? att.snp.product ?? tcbLayoutProduct(report);
    const appraisal = await appraiseAgainstManifest(report, manifest.snp, product);

    const checks = [manifestCheck, ...snp.checks, hostCheck, ...appraisal.checks];
    const ok = checks.every((c) => c.passed);
    const expiresAt = new Date(ctx.now.getTime() + MAX_VERDICT_MS);
    const meshCaPem = new TextDecoder().decode(att.meshCa);
    const keyId = `mesh:${toHex(await sha256(att.meshCa)).slice(0, 16)}`;
    let session: PrivatemodeSession | null = null;
    if (ok) {
      session = Object.freeze({ provider: 'privatemode' as const, keyId, expiresAt, model: PRIVATEMODE_MODEL, simulated: snp.simulated, base, meshCaPem, manifestSha256 });
      issued.add(session);
    }
    const claims = claimsView(snp.claims);
    const by = snp.simulated ? 'signed by development keys (a stand-in, this machine only)' : 'signed by AMD';
    return {
      ok,
      checks,
      claims,
      identity: { kind: 'manifest-sha256', value: manifestSha256 },
      simulated: snp.simulated,
      expiresAt,
      session,
      proven: [
        `Privatemode’s coordinator is an AMD SEV-SNP confidential VM: its report is ${by}${claims.product ? ` (${claims.product})` : ''}, answers your nonce, and was checked in your browser.`,
        'It runs the published manifest, byte for byte; the report meets the manifest’s reference values (launch measurement, ID block, policy, TCB).',
        'Requests are encrypted field by field (AES-256-GCM) under a secret exchanged (X-Wing HPKE) with a service whose certificate the attested mesh CA issued. Headers, your API key among them, travel under TLS.',
        'GPUs are not attested to your browser: Privatemode’s workers attest them inside the deployment, under the OCSP policy this client sends (only “good”).',
      ],
      protocol: `Privatemode ${PRIVATEMODE_API_VERSION} (Contrast attestation, field-level AES-GCM)`,
      keyId,
      model: PRIVATEMODE_MODEL,
      transcript: { privatemode: { nonce: toHex(nonce), attestationDoc: fetched.text, manifest: toBase64(published.bytes), manifestUrl: published.url } },
    };
  },

  async *chat(session: ProviderSession, request: ChatRequestBody, opts: ChatOptions): AsyncGenerator<ChatDelta, void, undefined> {
    if (!issued.has(session)) throw new ConfidantError('E_NOT_ATTESTED', 'Refusing to send: this session did not come from a passing attestation of Privatemode.');
    const s = session as PrivatemodeSession;
    const now = opts.now?.() ?? new Date();
    if (now.getTime() >= s.expiresAt.getTime()) throw new ConfidantError('E_KEY_EXPIRED', 'The attestation is too old; attesting again.', { keyId: s.keyId });
    let secret = secrets.get(s);
    if (!secret || now.getTime() >= secret.expiresAt.getTime()) {
      secret = await exchangeSecret({ base: s.base, apiKey: opts.apiKey, meshCaPem: s.meshCaPem, headers: staticHeaders(), fetch: opts.fetch, ...(opts.signal ? { signal: opts.signal } : {}), now });
      secrets.set(s, secret);
    }
    const cipher = await FieldCipher.create(secret.secret, secret.id);
    const body = await cipher.encryptRequest(openAiPayload(request, s.model));
    // Which OCSP answers for the GPU, VBIOS and driver certificates the workers may accept: only "good".
    const ocspPolicy = `rules=allow-good; revocation-time-not-before=${Math.floor(now.getTime() / 1000)}`;
    const macKey = await crypto.subtle.importKey('raw', secret.secret as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const mac = toHex(new Uint8Array(await crypto.subtle.sign('HMAC', macKey, utf8(ocspPolicy) as BufferSource)));
    const headers: Record<string, string> = {
      ...staticHeaders(),
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'Privatemode-Secret-ID': secret.id,
      'Privatemode-Target-Model': s.model,
      'Privatemode-NVIDIA-OCSP-Policy': ocspPolicy,
      'Privatemode-NVIDIA-OCSP-Policy-MAC': mac,
    };
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    const res = await providerFetch(opts.fetch, `${s.base}/v1/chat/completions`, { method: 'POST', headers, body, ...(opts.signal ? { signal: opts.signal } : {}) }, WHO);
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      // An error body the deployment encrypted under this request's cipher is authenticated.
      const opened = await cipher.decryptResponse(text).then(
        () => true,
        () => false,
      );
      if (!opened && text.includes('no secret for ID')) {
        secrets.delete(s);
        throw new ConfidantError('E_KEY_EXPIRED', 'Privatemode no longer knows this inference secret; exchanging a new one.', { status: res.status });
      }
      throw httpError(res, WHO, opened);
    }
    if (!(res.headers.get('content-type') ?? '').includes('event-stream') || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new ConfidantError('E_CHANNEL', 'Privatemode did not answer with a stream.', { reason: 'content-type' });
    }
    const body$ = res.body;
    const reading = (async function* () {
      try {
        yield* sseData(body$);
      } catch {
        if (opts.signal?.aborted) throw new ConfidantError('E_ABORTED', 'The operation was stopped.');
        throw new ConfidantError('E_NETWORK', 'The connection to Privatemode broke mid-answer.');
      }
    })();
    yield* openAiDeltas(reading, (d) => cipher.decryptResponse(d));
  },
};
